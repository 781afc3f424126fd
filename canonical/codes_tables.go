package canonical

// This file holds the code lists behind codes.go. They are written from the
// standards as published (ISO 4217 list one, ISO 3166-1, UN/ECE Recommendation
// 20 and 21, Incoterms 2020); a change to a list is a change to what
// validation accepts, so each one has a test that pins its size and samples.

// noMinorUnits marks ISO 4217 codes whose minor unit is "N.A." in the
// standard: precious metals, SDR, bond-market units, XTS and XXX.
const noMinorUnits = -1

// currencyMinorUnits maps every active ISO 4217 alphabetic code to its minor
// units (the number of decimals of an amount).
var currencyMinorUnits = map[Currency]int{
	"AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2,
	"AZN": 2, "BAM": 2, "BBD": 2, "BDT": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2,
	"BOB": 2, "BOV": 2, "BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BZD": 2,
	"CAD": 2, "CDF": 2, "CHE": 2, "CHF": 2, "CHW": 2, "CLF": 4, "CLP": 0, "CNY": 2,
	"COP": 2, "COU": 2, "CRC": 2, "CUP": 2, "CVE": 2, "CZK": 2, "DJF": 0, "DKK": 2,
	"DOP": 2, "DZD": 2, "EGP": 2, "ERN": 2, "ETB": 2, "EUR": 2, "FJD": 2, "FKP": 2,
	"GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2, "GNF": 0, "GTQ": 2, "GYD": 2,
	"HKD": 2, "HNL": 2, "HTG": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "IQD": 3,
	"IRR": 2, "ISK": 0, "JMD": 2, "JOD": 3, "JPY": 0, "KES": 2, "KGS": 2, "KHR": 2,
	"KMF": 0, "KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2, "LAK": 2, "LBP": 2,
	"LKR": 2, "LRD": 2, "LSL": 2, "LYD": 3, "MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2,
	"MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2, "MUR": 2, "MVR": 2, "MWK": 2, "MXN": 2,
	"MXV": 2, "MYR": 2, "MZN": 2, "NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2,
	"NZD": 2, "OMR": 3, "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2,
	"PYG": 0, "QAR": 2, "RON": 2, "RSD": 2, "RUB": 2, "RWF": 0, "SAR": 2, "SBD": 2,
	"SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2, "SHP": 2, "SLE": 2, "SOS": 2, "SRD": 2,
	"SSP": 2, "STN": 2, "SVC": 2, "SYP": 2, "SZL": 2, "THB": 2, "TJS": 2, "TMT": 2,
	"TND": 3, "TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2, "UAH": 2, "UGX": 0,
	"USD": 2, "USN": 2, "UYI": 0, "UYU": 2, "UYW": 4, "UZS": 2, "VED": 2, "VES": 2,
	"VND": 0, "VUV": 0, "WST": 2, "XAF": 0, "XCD": 2, "XCG": 2, "XOF": 0, "XPF": 0,
	"YER": 2, "ZAR": 2, "ZMW": 2, "ZWG": 2,
	// Minor units "N.A." in the standard.
	"XAG": noMinorUnits, "XAU": noMinorUnits, "XBA": noMinorUnits, "XBB": noMinorUnits,
	"XBC": noMinorUnits, "XBD": noMinorUnits, "XDR": noMinorUnits, "XPD": noMinorUnits,
	"XPT": noMinorUnits, "XSU": noMinorUnits, "XTS": noMinorUnits, "XUA": noMinorUnits,
	"XXX": noMinorUnits,
}

// withdrawnCurrencies are codes that still turn up in partner files, with the
// code that replaced them, so that an error can say what to use instead.
var withdrawnCurrencies = map[Currency]Currency{
	"ANG": "XCG", // Netherlands Antillean guilder, replaced by the Caribbean guilder in 2025
	"BGN": "EUR", // Bulgaria joined the euro on 2026-01-01
	"BYR": "BYN",
	"CUC": "CUP",
	"CYP": "EUR",
	"EEK": "EUR",
	"GHC": "GHS",
	"HRK": "EUR", // Croatia joined the euro on 2023-01-01
	"LTL": "EUR",
	"LVL": "EUR",
	"MRO": "MRU",
	"MTL": "EUR",
	"MZM": "MZN",
	"SIT": "EUR",
	"SKK": "EUR",
	"SLL": "SLE",
	"STD": "STN",
	"TMM": "TMT",
	"TRL": "TRY",
	"VEF": "VES",
	"ZMK": "ZMW",
	"ZWL": "ZWG",
}

// countries maps every officially assigned ISO 3166-1 alpha-2 code to its
// English short name as ISO publishes it, without a trailing "(the)".
var countries = map[Country]string{
	"AD": "Andorra",
	"AE": "United Arab Emirates",
	"AF": "Afghanistan",
	"AG": "Antigua and Barbuda",
	"AI": "Anguilla",
	"AL": "Albania",
	"AM": "Armenia",
	"AO": "Angola",
	"AQ": "Antarctica",
	"AR": "Argentina",
	"AS": "American Samoa",
	"AT": "Austria",
	"AU": "Australia",
	"AW": "Aruba",
	"AX": "Åland Islands",
	"AZ": "Azerbaijan",
	"BA": "Bosnia and Herzegovina",
	"BB": "Barbados",
	"BD": "Bangladesh",
	"BE": "Belgium",
	"BF": "Burkina Faso",
	"BG": "Bulgaria",
	"BH": "Bahrain",
	"BI": "Burundi",
	"BJ": "Benin",
	"BL": "Saint Barthélemy",
	"BM": "Bermuda",
	"BN": "Brunei Darussalam",
	"BO": "Bolivia (Plurinational State of)",
	"BQ": "Bonaire, Sint Eustatius and Saba",
	"BR": "Brazil",
	"BS": "Bahamas",
	"BT": "Bhutan",
	"BV": "Bouvet Island",
	"BW": "Botswana",
	"BY": "Belarus",
	"BZ": "Belize",
	"CA": "Canada",
	"CC": "Cocos (Keeling) Islands",
	"CD": "Congo (the Democratic Republic of the)",
	"CF": "Central African Republic",
	"CG": "Congo",
	"CH": "Switzerland",
	"CI": "Côte d'Ivoire",
	"CK": "Cook Islands",
	"CL": "Chile",
	"CM": "Cameroon",
	"CN": "China",
	"CO": "Colombia",
	"CR": "Costa Rica",
	"CU": "Cuba",
	"CV": "Cabo Verde",
	"CW": "Curaçao",
	"CX": "Christmas Island",
	"CY": "Cyprus",
	"CZ": "Czechia",
	"DE": "Germany",
	"DJ": "Djibouti",
	"DK": "Denmark",
	"DM": "Dominica",
	"DO": "Dominican Republic",
	"DZ": "Algeria",
	"EC": "Ecuador",
	"EE": "Estonia",
	"EG": "Egypt",
	"EH": "Western Sahara",
	"ER": "Eritrea",
	"ES": "Spain",
	"ET": "Ethiopia",
	"FI": "Finland",
	"FJ": "Fiji",
	"FK": "Falkland Islands (Malvinas)",
	"FM": "Micronesia (Federated States of)",
	"FO": "Faroe Islands",
	"FR": "France",
	"GA": "Gabon",
	"GB": "United Kingdom of Great Britain and Northern Ireland",
	"GD": "Grenada",
	"GE": "Georgia",
	"GF": "French Guiana",
	"GG": "Guernsey",
	"GH": "Ghana",
	"GI": "Gibraltar",
	"GL": "Greenland",
	"GM": "Gambia",
	"GN": "Guinea",
	"GP": "Guadeloupe",
	"GQ": "Equatorial Guinea",
	"GR": "Greece",
	"GS": "South Georgia and the South Sandwich Islands",
	"GT": "Guatemala",
	"GU": "Guam",
	"GW": "Guinea-Bissau",
	"GY": "Guyana",
	"HK": "Hong Kong",
	"HM": "Heard Island and McDonald Islands",
	"HN": "Honduras",
	"HR": "Croatia",
	"HT": "Haiti",
	"HU": "Hungary",
	"ID": "Indonesia",
	"IE": "Ireland",
	"IL": "Israel",
	"IM": "Isle of Man",
	"IN": "India",
	"IO": "British Indian Ocean Territory",
	"IQ": "Iraq",
	"IR": "Iran (Islamic Republic of)",
	"IS": "Iceland",
	"IT": "Italy",
	"JE": "Jersey",
	"JM": "Jamaica",
	"JO": "Jordan",
	"JP": "Japan",
	"KE": "Kenya",
	"KG": "Kyrgyzstan",
	"KH": "Cambodia",
	"KI": "Kiribati",
	"KM": "Comoros",
	"KN": "Saint Kitts and Nevis",
	"KP": "Korea (the Democratic People's Republic of)",
	"KR": "Korea (the Republic of)",
	"KW": "Kuwait",
	"KY": "Cayman Islands",
	"KZ": "Kazakhstan",
	"LA": "Lao People's Democratic Republic",
	"LB": "Lebanon",
	"LC": "Saint Lucia",
	"LI": "Liechtenstein",
	"LK": "Sri Lanka",
	"LR": "Liberia",
	"LS": "Lesotho",
	"LT": "Lithuania",
	"LU": "Luxembourg",
	"LV": "Latvia",
	"LY": "Libya",
	"MA": "Morocco",
	"MC": "Monaco",
	"MD": "Moldova (the Republic of)",
	"ME": "Montenegro",
	"MF": "Saint Martin (French part)",
	"MG": "Madagascar",
	"MH": "Marshall Islands",
	"MK": "North Macedonia",
	"ML": "Mali",
	"MM": "Myanmar",
	"MN": "Mongolia",
	"MO": "Macao",
	"MP": "Northern Mariana Islands",
	"MQ": "Martinique",
	"MR": "Mauritania",
	"MS": "Montserrat",
	"MT": "Malta",
	"MU": "Mauritius",
	"MV": "Maldives",
	"MW": "Malawi",
	"MX": "Mexico",
	"MY": "Malaysia",
	"MZ": "Mozambique",
	"NA": "Namibia",
	"NC": "New Caledonia",
	"NE": "Niger",
	"NF": "Norfolk Island",
	"NG": "Nigeria",
	"NI": "Nicaragua",
	"NL": "Netherlands (Kingdom of the)",
	"NO": "Norway",
	"NP": "Nepal",
	"NR": "Nauru",
	"NU": "Niue",
	"NZ": "New Zealand",
	"OM": "Oman",
	"PA": "Panama",
	"PE": "Peru",
	"PF": "French Polynesia",
	"PG": "Papua New Guinea",
	"PH": "Philippines",
	"PK": "Pakistan",
	"PL": "Poland",
	"PM": "Saint Pierre and Miquelon",
	"PN": "Pitcairn",
	"PR": "Puerto Rico",
	"PS": "Palestine, State of",
	"PT": "Portugal",
	"PW": "Palau",
	"PY": "Paraguay",
	"QA": "Qatar",
	"RE": "Réunion",
	"RO": "Romania",
	"RS": "Serbia",
	"RU": "Russian Federation",
	"RW": "Rwanda",
	"SA": "Saudi Arabia",
	"SB": "Solomon Islands",
	"SC": "Seychelles",
	"SD": "Sudan",
	"SE": "Sweden",
	"SG": "Singapore",
	"SH": "Saint Helena, Ascension and Tristan da Cunha",
	"SI": "Slovenia",
	"SJ": "Svalbard and Jan Mayen",
	"SK": "Slovakia",
	"SL": "Sierra Leone",
	"SM": "San Marino",
	"SN": "Senegal",
	"SO": "Somalia",
	"SR": "Suriname",
	"SS": "South Sudan",
	"ST": "Sao Tome and Principe",
	"SV": "El Salvador",
	"SX": "Sint Maarten (Dutch part)",
	"SY": "Syrian Arab Republic",
	"SZ": "Eswatini",
	"TC": "Turks and Caicos Islands",
	"TD": "Chad",
	"TF": "French Southern Territories",
	"TG": "Togo",
	"TH": "Thailand",
	"TJ": "Tajikistan",
	"TK": "Tokelau",
	"TL": "Timor-Leste",
	"TM": "Turkmenistan",
	"TN": "Tunisia",
	"TO": "Tonga",
	"TR": "Türkiye",
	"TT": "Trinidad and Tobago",
	"TV": "Tuvalu",
	"TW": "Taiwan (Province of China)",
	"TZ": "Tanzania, the United Republic of",
	"UA": "Ukraine",
	"UG": "Uganda",
	"UM": "United States Minor Outlying Islands",
	"US": "United States of America",
	"UY": "Uruguay",
	"UZ": "Uzbekistan",
	"VA": "Holy See",
	"VC": "Saint Vincent and the Grenadines",
	"VE": "Venezuela (Bolivarian Republic of)",
	"VG": "Virgin Islands (British)",
	"VI": "Virgin Islands (U.S.)",
	"VN": "Viet Nam",
	"VU": "Vanuatu",
	"WF": "Wallis and Futuna",
	"WS": "Samoa",
	"YE": "Yemen",
	"YT": "Mayotte",
	"ZA": "South Africa",
	"ZM": "Zambia",
	"ZW": "Zimbabwe",
}

// userAssignedCountries are user-assigned ISO 3166 codes that procurehub
// accepts because trade and banking use them as if they were assigned.
// XK (Kosovo) is used by the European Commission, SWIFT and the IBAN
// registry; rejecting it would reject real suppliers and bank accounts.
var userAssignedCountries = map[Country]string{
	"XK": "Kosovo",
}

// countryHints answers common non-ISO codes with the code to use instead.
var countryHints = map[string]string{
	"UK": `"UK" is not an ISO 3166-1 code; the United Kingdom is "GB"`,
	"EL": `"EL" is the EU's code for Greece, not ISO 3166-1; use "GR"`,
	"EU": `"EU" is not a country`,
}

// UnitKind is what a unit measures: a count, a mass, a length...
type UnitKind string

const (
	UnitCount   UnitKind = "count"   // pieces, packages, sets
	UnitMass    UnitKind = "mass"    // kilogram, pound
	UnitLength  UnitKind = "length"  // metre, inch
	UnitArea    UnitKind = "area"    // square metre
	UnitVolume  UnitKind = "volume"  // litre, cubic metre
	UnitTime    UnitKind = "time"    // hour, day
	UnitEnergy  UnitKind = "energy"  // kilowatt hour
	UnitService UnitKind = "service" // lump sum, service unit
)

type unitInfo struct {
	name string
	kind UnitKind
}

// units are the UN/ECE Recommendation 20 codes in common trade use, plus the
// Recommendation 21 package codes with their "X" prefix (XBX, XPX...) that
// EN 16931 e-invoices carry. It is deliberately not the whole of Rec 20
// (2,000 codes, most never seen in procurement): a code missing here is added
// when a partner needs it.
var units = map[Unit]unitInfo{
	// Counts.
	"EA":  {"each", UnitCount},
	"C62": {"one", UnitCount},
	"H87": {"piece", UnitCount},
	"NAR": {"number of articles", UnitCount},
	"SET": {"set", UnitCount},
	"PR":  {"pair", UnitCount},
	"NPR": {"number of pairs", UnitCount},
	"DZN": {"dozen", UnitCount},
	"BX":  {"box", UnitCount},
	"CT":  {"carton", UnitCount},
	"PK":  {"pack", UnitCount},
	"PF":  {"pallet (lift)", UnitCount},
	"RO":  {"roll", UnitCount},
	"XBX": {"box (Rec 21)", UnitCount},
	"XCT": {"carton (Rec 21)", UnitCount},
	"XPK": {"package (Rec 21)", UnitCount},
	"XPX": {"pallet (Rec 21)", UnitCount},
	"XBG": {"bag (Rec 21)", UnitCount},
	"XBO": {"bottle (Rec 21)", UnitCount},
	"XCR": {"crate (Rec 21)", UnitCount},
	"XSA": {"sack (Rec 21)", UnitCount},
	// Mass.
	"MGM": {"milligram", UnitMass},
	"GRM": {"gram", UnitMass},
	"KGM": {"kilogram", UnitMass},
	"TNE": {"tonne (metric ton)", UnitMass},
	"LBR": {"pound", UnitMass},
	"ONZ": {"ounce (avoirdupois)", UnitMass},
	"STN": {"ton (US) or short ton (UK/US)", UnitMass},
	"LTN": {"ton (UK) or long ton (US)", UnitMass},
	// Length.
	"MMT": {"millimetre", UnitLength},
	"CMT": {"centimetre", UnitLength},
	"MTR": {"metre", UnitLength},
	"KMT": {"kilometre", UnitLength},
	"INH": {"inch", UnitLength},
	"FOT": {"foot", UnitLength},
	"YRD": {"yard", UnitLength},
	"SMI": {"mile (statute mile)", UnitLength},
	// Area.
	"CMK": {"square centimetre", UnitArea},
	"MTK": {"square metre", UnitArea},
	"FTK": {"square foot", UnitArea},
	"YDK": {"square yard", UnitArea},
	// Volume.
	"MLT": {"millilitre", UnitVolume},
	"CLT": {"centilitre", UnitVolume},
	"LTR": {"litre", UnitVolume},
	"HLT": {"hectolitre", UnitVolume},
	"CMQ": {"cubic centimetre", UnitVolume},
	"MTQ": {"cubic metre", UnitVolume},
	"FTQ": {"cubic foot", UnitVolume},
	"GLL": {"gallon (US)", UnitVolume},
	"GLI": {"gallon (UK)", UnitVolume},
	// Time.
	"MIN": {"minute", UnitTime},
	"HUR": {"hour", UnitTime},
	"DAY": {"day", UnitTime},
	"WEE": {"week", UnitTime},
	"MON": {"month", UnitTime},
	"ANN": {"year", UnitTime},
	// Energy.
	"KWH": {"kilowatt hour", UnitEnergy},
	"MWH": {"megawatt hour (1000 kW.h)", UnitEnergy},
	// Services.
	"LS":  {"lump sum", UnitService},
	"E48": {"service unit", UnitService},
}

// unitAliases are withdrawn Rec 20 codes that partners still send, mapped to
// the current code. PCE ("piece") was removed from Rec 20 in favour of H87;
// ParseUnit turns PCE into H87, and Validate reports a stored PCE with that hint.
var unitAliases = map[Unit]Unit{
	"PCE": "H87",
}

// IncotermMode is the transport mode an Incoterms 2020 rule may be used for.
type IncotermMode string

const (
	ModeAny IncotermMode = "any" // any mode or modes of transport
	ModeSea IncotermMode = "sea" // sea and inland waterway transport only
)

type incotermInfo struct {
	name string
	mode IncotermMode
	desc string
}

// incotermOrder lists the Incoterms 2020 rules in the ICC's order.
var incotermOrder = []Incoterm{"EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"}

var incoterms = map[Incoterm]incotermInfo{
	"EXW": {"Ex Works", ModeAny, "the seller makes the goods available at its premises; the buyer bears every cost and risk from there, export clearance included"},
	"FCA": {"Free Carrier", ModeAny, "the seller hands the goods, cleared for export, to the buyer's carrier at the named place"},
	"CPT": {"Carriage Paid To", ModeAny, "the seller pays carriage to the named destination; risk passes when the goods are handed to the first carrier"},
	"CIP": {"Carriage and Insurance Paid To", ModeAny, "as CPT, and the seller also insures the goods to the destination (all risks, Institute Cargo Clauses A)"},
	"DAP": {"Delivered at Place", ModeAny, "the seller delivers at the named destination, ready for unloading; the buyer clears import and pays duties"},
	"DPU": {"Delivered at Place Unloaded", ModeAny, "the seller delivers unloaded at the named destination; the buyer clears import and pays duties"},
	"DDP": {"Delivered Duty Paid", ModeAny, "the seller delivers at the named destination cleared for import, duties and taxes paid"},
	"FAS": {"Free Alongside Ship", ModeSea, "the seller delivers the goods alongside the buyer's vessel at the named port of shipment"},
	"FOB": {"Free On Board", ModeSea, "the seller delivers the goods on board the buyer's vessel at the named port of shipment"},
	"CFR": {"Cost and Freight", ModeSea, "the seller pays freight to the named port of destination; risk passes once the goods are on board"},
	"CIF": {"Cost, Insurance and Freight", ModeSea, "as CFR, and the seller also insures the goods to the port of destination (minimum cover, Institute Cargo Clauses C)"},
}

// oldIncoterms are rules of earlier editions that partners still write.
var oldIncoterms = map[string]string{
	"DAT": `"DAT" is an Incoterms 2010 rule; Incoterms 2020 replaced it with "DPU"`,
	"DAF": `"DAF" is an Incoterms 2000 rule, withdrawn in 2010; use "DAP"`,
	"DES": `"DES" is an Incoterms 2000 rule, withdrawn in 2010; use "DAP"`,
	"DEQ": `"DEQ" is an Incoterms 2000 rule, withdrawn in 2010; use "DPU"`,
	"DDU": `"DDU" is an Incoterms 2000 rule, withdrawn in 2010; use "DAP"`,
	"C&F": `"C&F" is an old name of "CFR"`,
	"CNF": `"CNF" is an old name of "CFR"`,
}
