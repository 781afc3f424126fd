package simulate

import "time"

// The parties of the default world. Tables, not maps: the generator walks
// them in this order.

type supplierDef struct {
	ID, Name, Country, Currency, Terms, Port, Sender string
	Goods                                            []itemDef
}

type itemDef struct {
	Suffix, Description, HS string
	Cents                   int64 // list price in the supplier's currency, minor units
	LeadDays                int
}

// The three payment terms of the world, as buyers' ERPs write them.
const (
	termsNet30    = "NET 30"
	termsTT       = "T/T 30% deposit 70% against B/L copy"
	termsDiscount = "2/10 net 60"
)

var supplierTable = []supplierDef{
	{"SUP-CN-SHENZHEN-MOTOR", "Shenzhen Motor Works Co., Ltd.", "CN", "USD", termsTT, "Shenzhen", "SZMOTOR", electrics},
	{"SUP-VN-HANOI-LAMP", "Hanoi Lamp Manufacturing JSC", "VN", "USD", termsNet30, "Hai Phong", "HANOILAMP", lamps},
	{"SUP-TH-BANGKOK-RUBBER", "Bangkok Rubber Industries Co., Ltd.", "TH", "USD", termsDiscount, "Laem Chabang", "BKKRUBBER", rubber},
	{"SUP-MY-PENANG-CHIPS", "Penang Semiconductor Sdn. Bhd.", "MY", "USD", termsNet30, "Penang", "PGCHIPS", chips},
	{"SUP-ID-JAKARTA-FURN", "PT Jakarta Furniture Indah", "ID", "USD", termsTT, "Tanjung Priok", "JKTFURN", furniture},
	{"SUP-PH-CEBU-WIRE", "Cebu Wire and Cable Corp.", "PH", "USD", termsNet30, "Cebu", "CEBUWIRE", cables},
	{"SUP-CN-NINGBO-VALVE", "Ningbo Valve Co., Ltd.", "CN", "CNY", termsTT, "Ningbo", "NBVALVE", valves},
	{"SUP-VN-HCMC-TEXTILE", "Saigon Technical Textiles Co.", "VN", "EUR", termsDiscount, "Cat Lai", "SGTEXTILE", textiles},
	{"SUP-TH-RAYONG-PLASTIC", "Rayong Plastic Moulding Co., Ltd.", "TH", "USD", termsNet30, "Laem Chabang", "RYPLASTIC", plastics},
	{"SUP-MY-JOHOR-GLOVE", "Johor Glove Sdn. Bhd.", "MY", "USD", termsDiscount, "Tanjung Pelepas", "JHGLOVE", gloves},
	{"SUP-ID-SURABAYA-PAPER", "PT Surabaya Kertas", "ID", "USD", termsNet30, "Tanjung Perak", "SBYPAPER", paper},
	{"SUP-PH-MANILA-SEMI", "Manila Semiconductor Assembly Inc.", "PH", "USD", termsTT, "Manila", "MNLSEMI", chips},
	{"SUP-CN-DONGGUAN-PCB", "Dongguan Circuit Board Co., Ltd.", "CN", "CNY", termsNet30, "Shenzhen", "DGPCB", boards},
	{"SUP-VN-HAIPHONG-STEEL", "Hai Phong Steel Fabrication JSC", "VN", "USD", termsTT, "Hai Phong", "HPSTEEL", steel},
	{"SUP-TH-CHONBURI-AUTO", "Chonburi Auto Parts Co., Ltd.", "TH", "EUR", termsNet30, "Laem Chabang", "CBAUTO", autoparts},
	{"SUP-MY-KL-PACK", "KL Packaging Sdn. Bhd.", "MY", "USD", termsDiscount, "Port Klang", "KLPACK", packaging},
	{"SUP-ID-BATAM-ELEC", "PT Batam Elektronik", "ID", "USD", termsNet30, "Batam", "BTMELEC", boards},
	{"SUP-CN-XIAMEN-CABLE", "Xiamen Cable Technology Co., Ltd.", "CN", "CNY", termsDiscount, "Xiamen", "XMCABLE", cables},
}

var (
	electrics = []itemDef{{"SRV-750", "Servo motor 750 W", "85015220", 18640, 35}, {"SRV-400", "Servo motor 400 W", "85015220", 12990, 35}, {"DRV-1K", "Servo drive 1 kW", "85044088", 21450, 40}}
	lamps     = []itemDef{{"LED-18W", "LED panel 18 W", "94054100", 1275, 30}, {"LED-36W", "LED panel 36 W", "94054100", 2190, 30}, {"DRV-LED", "LED driver 36 W", "85044083", 640, 25}}
	rubber    = []itemDef{{"ORING-50", "O-ring NBR 50 mm", "40169300", 42, 21}, {"GSK-200", "Flange gasket DN200", "40169300", 385, 28}, {"HOSE-10", "Hydraulic hose 10 m", "40093100", 2960, 28}}
	chips     = []itemDef{{"MCU-32", "32-bit microcontroller", "85423190", 310, 45}, {"PMIC-5", "Power management IC", "85423990", 145, 45}, {"SNS-T1", "Temperature sensor", "90251980", 95, 40}}
	furniture = []itemDef{{"DESK-160", "Office desk 160 cm", "94033011", 14800, 40}, {"CHR-ERG", "Ergonomic chair", "94013000", 9650, 40}}
	cables    = []itemDef{{"CBL-3G15", "Power cable 3G1.5 100 m", "85444995", 6420, 30}, {"CBL-CAT6", "CAT6 cable 305 m", "85444920", 8875, 30}, {"CBL-5M", "Shielded motor cable 5 m", "85444290", 1190, 30}}
	valves    = []itemDef{{"BV-DN50", "Ball valve DN50", "84818081", 27400, 35}, {"CV-DN25", "Check valve DN25", "84813091", 9800, 35}, {"GV-DN80", "Gate valve DN80", "84818081", 61500, 40}}
	textiles  = []itemDef{{"FLT-BAG", "Filter bag polyester", "59119090", 410, 30}, {"BELT-W", "Woven conveyor belt 1 m", "59100000", 2350, 35}}
	plastics  = []itemDef{{"HSG-ABS", "ABS housing", "39269097", 265, 28}, {"CAP-PP", "PP cap 38 mm", "39235010", 9, 21}, {"TRAY-PS", "PS tray", "39231000", 58, 21}}
	gloves    = []itemDef{{"NIT-M", "Nitrile gloves M, box of 100", "40151900", 480, 21}, {"NIT-L", "Nitrile gloves L, box of 100", "40151900", 480, 21}}
	paper     = []itemDef{{"CTN-60", "Corrugated carton 60 cm", "48191000", 118, 21}, {"LBL-A4", "Label sheets A4, box", "48211010", 930, 21}}
	boards    = []itemDef{{"PCB-4L", "Printed circuit board 4 layers", "85340011", 720, 35}, {"PCBA-CTL", "Controller board assembled", "85371098", 4390, 42}}
	steel     = []itemDef{{"BRK-L", "Steel bracket L", "73269098", 175, 30}, {"FRM-200", "Welded frame 200 cm", "73089098", 11900, 40}}
	autoparts = []itemDef{{"BRK-PAD", "Brake pad set", "87083010", 1650, 30}, {"FLT-OIL", "Oil filter", "84212300", 290, 25}}
	packaging = []itemDef{{"STR-FILM", "Stretch film roll", "39201025", 1240, 21}, {"PLT-WD", "Wooden pallet", "44152020", 1450, 21}}
)

type carrierDef struct {
	Code, Name, Prefix string
}

var carrierTable = []carrierDef{
	{"OCEANLINK", "Oceanlink Container Lines", "OLK"},
	{"PACIFICFWD", "Pacific Forwarding Ltd.", "PFW"},
	{"SIAMCARGO", "Siam Cargo Logistics", "SCL"},
	{"STRAITSLOG", "Straits Logistics Pte. Ltd.", "STL"},
	{"ARCHIPEL", "Archipelago Freight", "ARF"},
	{"MEKONGEXP", "Mekong Express", "MKX"},
}

type bankDef struct {
	Code, Name, BIC, Country, BankCode string
}

var bankTable = []bankDef{
	{"hanseatic", "Hanseatische Handelsbank AG", "HHBKDEFFXXX", "DE", "50070010"},
	{"northsea", "Northsea Trade Bank N.V.", "NSTBNL2AXXX", "NL", "NSTB"},
}

type buyerDef struct {
	ID, Name, Country, City, Home string
}

var buyerTable = []buyerDef{
	{"ACME-DE", "ACME Maschinenbau GmbH", "DE", "Hamburg", "EUR"},
	{"GLOBEX-US", "Globex Corporation", "US", "Chicago", "USD"},
	{"INITECH-NL", "Initech Benelux B.V.", "NL", "Rotterdam", "EUR"},
	{"UMBRELLA-CA", "Umbrella Industrial Supply Inc.", "CA", "Toronto", "USD"},
}

// Arrival ports by buyer country.
var destination = map[string][2]string{
	"DE": {"Hamburg", "DE"}, "NL": {"Rotterdam", "NL"}, "US": {"Chicago", "US"}, "CA": {"Toronto", "CA"},
}

const dayDur = 24 * time.Hour
