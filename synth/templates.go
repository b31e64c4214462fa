package synth

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

type reason struct {
	name    string
	subject string
	// botFactor scales the channel's bot share, in percent: a bot rarely
	// takes a cancellation or a complaint.
	botFactor int
	summaries []string
	solutions []string
}

// reasons are the contact reasons, in the order of reasonWeights. The
// templates' {placeholders} are filled by fill.
var reasons = [...]reason{
	{
		name: "billing", subject: "Question about my bill", botFactor: 100,
		summaries: []string{
			"Customer {via} about an unexpected charge of {amount} on the {month} invoice.",
			"Customer {via} asking why the bill rose to {amount} this month.",
			"Customer {via} about a missing invoice for {month}.",
			"Customer {via} disputing a late-payment fee of {amount}.",
		},
		solutions: []string{
			"{who} explained the pro-rated charge for the plan change.",
			"Invoice for {month} resent by email.",
			"Late fee of {amount} credited back as a one-off gesture.",
			"{who} walked the customer through the itemised bill; no change needed.",
		},
	},
	{
		name: "technical_support", subject: "Internet not working", botFactor: 80,
		summaries: []string{
			"Customer {via} reporting intermittent connectivity on the {device}.",
			"Customer {via}: speeds far below the {speed} of the plan in the evenings.",
			"Customer {via} because the {device} keeps rebooting.",
			"Customer {via} unable to connect a new {device} to Wi-Fi.",
		},
		solutions: []string{
			"The {device} was restarted remotely and the line tested; speeds back to {speed}.",
			"Firmware update pushed to the {device}.",
			"Engineer visit booked, reference {ref}.",
			"{who} guided the customer through a factory reset of the {device}.",
		},
	},
	{
		name: "plan_change", subject: "Changing my plan", botFactor: 100,
		summaries: []string{
			"Customer {via} to upgrade to the {speed} plan.",
			"Customer {via} asking to move to the {plan} plan to save money.",
			"Customer {via} comparing the {plan} and {speed} plans.",
		},
		solutions: []string{
			"Upgraded to the {speed} plan from the next billing cycle.",
			"Moved to the {plan} plan; new price {amount} a month.",
			"{who} sent a comparison of the plans; customer will decide.",
		},
	},
	{
		name: "cancellation", subject: "Cancel my contract", botFactor: 20,
		summaries: []string{
			"Customer {via} to cancel after moving abroad.",
			"Customer {via} to cancel, citing price; offered the {plan} plan.",
			"Customer {via} asking for the early termination fee before cancelling.",
		},
		solutions: []string{
			"Retention offer accepted: {amount} off for 12 months.",
			"Cancellation booked for the end of {month}; return label sent for the {device}.",
			"Early termination fee of {amount} quoted; customer will call back.",
		},
	},
	{
		name: "outage_report", subject: "Outage in my area", botFactor: 150,
		summaries: []string{
			"Customer {via} reporting no service in {area} since this morning.",
			"Customer {via} about a TV and broadband outage in {area}.",
			"Customer {via} asking when the outage in {area} will be fixed.",
		},
		solutions: []string{
			"Linked to the known incident {ref}; estimated fix within 4 hours.",
			"Outage confirmed in {area}; customer subscribed to SMS updates.",
			"Service restored during the contact; no further action.",
		},
	},
	{
		name: "payment_arrangement", subject: "Payment plan", botFactor: 70,
		summaries: []string{
			"Customer {via} asking to split an outstanding balance of {amount}.",
			"Customer {via} to delay this month's payment by {days} days.",
			"Customer {via} after a failed direct debit of {amount}.",
		},
		solutions: []string{
			"Payment plan set up: {amount} over 3 months.",
			"Due date moved by {days} days; no fee applied.",
			"Card details updated and the failed payment retried.",
		},
	},
	{
		name: "address_change", subject: "New address", botFactor: 120,
		summaries: []string{
			"Customer {via} to update the billing address after moving.",
			"Customer {via} moving house on the 1st of {month}; service needs transferring.",
		},
		solutions: []string{
			"Billing address updated.",
			"Service transfer booked for the 1st of {month}, reference {ref}.",
		},
	},
	{
		name: "device_return", subject: "Returning equipment", botFactor: 60,
		summaries: []string{
			"Customer {via} asking how to return the old {device}.",
			"Customer {via}: return label for the {device} never arrived.",
		},
		solutions: []string{
			"Prepaid return label for the {device} emailed.",
			"Courier pickup of the {device} booked, reference {ref}.",
		},
	},
	{
		name: "roaming", subject: "Using my phone abroad", botFactor: 100,
		summaries: []string{
			"Customer {via} before travelling to {country}, asking about roaming charges.",
			"Customer {via} from {country}: no mobile data since landing.",
			"Customer {via} about a roaming charge of {amount} from a trip to {country}.",
		},
		solutions: []string{
			"Travel pass for {country} added at {amount} a day.",
			"Roaming enabled on the line; data working after a restart.",
			"Roaming charge of {amount} partly refunded.",
		},
	},
	{
		name: "complaint", subject: "Formal complaint", botFactor: 10,
		summaries: []string{
			"Customer {via} unhappy with a missed engineer appointment.",
			"Customer {via} to complain about repeated outages in {area}.",
			"Customer {via} about being transferred several times on an earlier call.",
		},
		solutions: []string{
			"Complaint logged as {ref}; goodwill credit of {amount} applied.",
			"Escalated to the complaints team, reference {ref}.",
			"{who} apologised and rebooked the appointment for the next morning.",
		},
	},
	{
		name: "sim_replacement", subject: "Lost SIM", botFactor: 80,
		summaries: []string{
			"Customer {via} after losing the phone; asked to block the SIM.",
			"Customer {via} requesting an eSIM instead of the physical SIM.",
		},
		solutions: []string{
			"SIM blocked and a replacement sent by post.",
			"eSIM QR code sent by email.",
		},
	},
	{
		name: "password_reset", subject: "Cannot log in", botFactor: 200,
		summaries: []string{
			"Customer {via} locked out of the online account.",
			"Customer {via}: password reset email never arrived.",
		},
		solutions: []string{
			"Identity verified and a reset link sent.",
			"Email address on file corrected and reset link resent.",
		},
	},
}

var reasonWeights = [len(reasons)]int{24, 20, 10, 6, 8, 6, 5, 4, 5, 4, 3, 5}

type channel struct {
	name       string // as the REST route writes it
	botPercent int
	verb       string
	extPrefix  string // source systems name their contact IDs differently
}

var channels = [...]channel{
	{"voice", 12, "called", "CALL-"},
	{"chat", 45, "wrote in chat", "CHAT-"},
	{"email", 5, "emailed", "MAIL-"},
	{"sms", 40, "texted", "SMS-"},
	{"social", 15, "messaged on social media", "SOC-"},
	{"web", 60, "used the web form", "WEB-"},
}

var channelWeights = [len(channels)]int{40, 25, 14, 7, 5, 9}

var (
	plans     = []string{"Basic", "Family", "Unlimited", "Student", "Business Pro"}
	speeds    = []string{"100 Mbps", "300 Mbps", "500 Mbps", "1 Gbps"}
	devices   = []string{"router", "modem", "set-top box", "mesh extender", "TV box"}
	countries = []string{"Spain", "Japan", "Brazil (São Paulo)", "Türkiye", "Canada", "Côte d'Ivoire", "Mexico"}
	months    = []string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
)

// fill replaces each {placeholder} of tmpl with a value drawn from r.
func fill(r *rand.Rand, tmpl, channelName string, bot bool) string {
	var sb strings.Builder
	sb.Grow(len(tmpl) + 32)
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			sb.WriteString(tmpl)
			return sb.String()
		}
		end := open + strings.IndexByte(tmpl[open:], '}')
		sb.WriteString(tmpl[:open])
		switch key := tmpl[open+1 : end]; key {
		case "via":
			for i := range channels {
				if channels[i].name == channelName {
					sb.WriteString(channels[i].verb)
				}
			}
		case "who":
			if bot {
				sb.WriteString("The assistant")
			} else {
				sb.WriteString("The agent")
			}
		case "amount":
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(5 + r.IntN(250)))
			sb.WriteByte('.')
			cents := r.IntN(100)
			if cents < 10 {
				sb.WriteByte('0')
			}
			sb.WriteString(strconv.Itoa(cents))
		case "plan":
			sb.WriteString(plans[r.IntN(len(plans))])
		case "speed":
			sb.WriteString(speeds[r.IntN(len(speeds))])
		case "device":
			sb.WriteString(devices[r.IntN(len(devices))])
		case "country":
			sb.WriteString(countries[r.IntN(len(countries))])
		case "month":
			sb.WriteString(months[r.IntN(len(months))])
		case "days":
			sb.WriteString(strconv.Itoa(3 + r.IntN(28)))
		case "area":
			sb.WriteString("district ")
			sb.WriteString(strconv.Itoa(1 + r.IntN(40)))
		case "ref":
			sb.WriteString("TKT-")
			sb.WriteString(strconv.Itoa(100000 + r.IntN(900000)))
		default:
			panic("synth: unknown placeholder {" + key + "}")
		}
		tmpl = tmpl[end+1:]
	}
}
