// Starts GraphiQL with the settings the page carries in data- attributes:
// the Content-Security-Policy allows no inline script to pass them.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var settings = root.dataset;
  var fetcher = GraphiQL.createFetcher({
    url: settings.endpoint,
    // The API answers application/json only; without this GraphiQL would
    // ask for multipart responses it never gets.
    enableIncrementalDelivery: false,
  });
  ReactDOM.createRoot(root).render(
    React.createElement(
      GraphiQL,
      {
        fetcher: fetcher,
        defaultQuery: settings.query,
        // Open on the headers tab, where an Authorization header goes. They
        // are not persisted (GraphiQL's default), so a token is not left in
        // localStorage.
        defaultEditorToolsVisibility: "headers",
      },
      React.createElement(GraphiQL.Logo, null, settings.title)
    )
  );
})();
