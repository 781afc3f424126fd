package infer

import (
	"strconv"
	"strings"
)

// synonymTable lists, per canonical field, the headers partners write for
// it, each as "lang:header" with an optional "|weight" (default 1) for
// words that mean the field only most of the time ("Item" is usually a line
// number, sometimes an article). Languages: en, de, fr, es, it, nl, pt, zh
// (simplified), vi, ja. Entries are compared after normHeader, so case,
// accents, punctuation and the spellings of "number" do not matter.
//
// A field may borrow the synonyms of another (synonymAliases); "@date" is
// the plain word "date", which means a document's main date.
var synonymTable = map[string][]string{
	"order_number": {
		"en:PO", "en:PO No", "en:PO Number", "en:Purchase Order", "en:Purchase Order No", "en:Order No", "en:Order", "en:Order ID",
		"en:Order Reference", "en:Order Ref", "en:Customer PO", "en:Buyer PO", "en:PO Ref", "en:Purchasing Document", "en:Purch Doc",
		"de:Bestellnummer", "de:Bestellung", "de:Bestell-Nr.", "de:Einkaufsbeleg", "de:Auftragsnummer", "de:Bestellnr", "de:EBELN",
		"fr:N° commande", "fr:Numéro de commande", "fr:Commande", "fr:No de commande", "fr:Bon de commande", "fr:N° BC", "fr:Réf commande",
		"es:Número de pedido", "es:Pedido", "es:Nº pedido", "es:Orden de compra", "es:N° orden de compra", "es:OC",
		"it:Numero ordine", "it:Ordine", "it:N. ordine", "it:Ordine di acquisto",
		"nl:Ordernummer", "nl:Bestelnummer", "nl:Inkoopordernummer", "nl:Order",
		"pt:Número do pedido", "pt:Pedido", "pt:Nº do pedido", "pt:Ordem de compra",
		"zh:采购单号", "zh:订单号", "zh:采购订单号", "zh:订单编号", "zh:采购订单", "zh:PO号",
		"vi:Số đơn hàng", "vi:Mã đơn hàng", "vi:Đơn hàng", "vi:Số PO", "vi:Số đơn đặt hàng",
		"ja:注文番号", "ja:発注番号", "ja:発注書番号",
	},
	"order_numbers": {
		"en:PO Numbers", "en:Orders", "en:Order Numbers", "en:Order References", "en:PO List", "de:Bestellnummern", "fr:Commandes",
		"es:Pedidos", "zh:订单号列表",
	},
	"@date": {
		"en:Date|0.8", "de:Datum|0.8", "fr:Date|0.8", "es:Fecha|0.8", "it:Data|0.8", "nl:Datum|0.8", "pt:Data|0.8", "zh:日期|0.8", "vi:Ngày|0.8", "ja:日付|0.8",
	},
	"order_date": {
		"en:Order Date", "en:PO Date", "en:Purchase Order Date", "en:Document Date", "en:Created", "en:Creation Date|0.8",
		"de:Bestelldatum", "de:Belegdatum", "de:BEDAT", "de:Auftragsdatum", "fr:Date de commande", "fr:Date commande",
		"es:Fecha de pedido", "es:Fecha pedido", "es:Fecha de la orden", "it:Data ordine", "nl:Besteldatum", "nl:Orderdatum",
		"pt:Data do pedido", "zh:订单日期", "zh:采购日期", "zh:下单日期", "vi:Ngày đặt hàng", "vi:Ngày đơn hàng", "ja:注文日", "ja:発注日",
	},
	"buyer.id": {
		"en:Buyer", "en:Buyer ID", "en:Buyer Code", "en:Customer", "en:Customer ID", "en:Customer No", "en:Customer Code", "en:Company Code",
		"en:Sold To", "de:Kunde", "de:Kundennummer", "de:Käufer", "de:Buchungskreis", "de:Besteller", "fr:Client", "fr:Code client", "fr:Acheteur",
		"es:Cliente", "es:Código cliente", "es:Comprador", "it:Cliente", "it:Codice cliente", "nl:Klant", "nl:Klantnummer", "pt:Cliente",
		"pt:Código do cliente", "zh:客户", "zh:客户编号", "zh:客户代码", "zh:买方", "vi:Mã khách hàng", "vi:Khách hàng", "ja:得意先", "ja:顧客コード",
	},
	"buyer.name": {
		"en:Buyer Name", "en:Customer Name", "de:Kundenname", "de:Käufername", "fr:Nom client", "fr:Nom du client", "es:Nombre cliente",
		"es:Nombre del cliente", "it:Ragione sociale cliente", "nl:Klantnaam", "pt:Nome do cliente", "zh:客户名称", "vi:Tên khách hàng", "ja:得意先名",
	},
	"supplier.id": {
		"en:Supplier", "en:Supplier ID", "en:Supplier No", "en:Supplier Code", "en:Vendor", "en:Vendor ID", "en:Vendor No", "en:Vendor Code",
		"en:Vendor Number", "de:Lieferant", "de:Lieferantennummer", "de:Kreditor", "de:Lieferanten-Nr.", "de:Lief.-Nr.", "de:LIFNR", "fr:Fournisseur", "fr:Code fournisseur",
		"fr:N° fournisseur", "es:Proveedor", "es:Código proveedor", "es:Código de proveedor", "it:Fornitore", "it:Codice fornitore",
		"nl:Leverancier", "nl:Leveranciernummer", "pt:Fornecedor", "pt:Código do fornecedor", "zh:供应商", "zh:供应商编号", "zh:供应商代码",
		"vi:Mã nhà cung cấp", "vi:Nhà cung cấp", "ja:仕入先", "ja:仕入先コード",
	},
	"supplier.name": {
		"en:Supplier Name", "en:Vendor Name", "de:Lieferantenname", "de:Name Lieferant", "de:Kreditorname", "fr:Nom fournisseur", "fr:Nom du fournisseur",
		"fr:Raison sociale fournisseur", "es:Nombre proveedor", "es:Nombre del proveedor", "it:Ragione sociale fornitore", "it:Nome fornitore",
		"nl:Naam leverancier", "nl:Leveranciersnaam", "pt:Nome do fornecedor", "zh:供应商名称", "vi:Tên nhà cung cấp", "ja:仕入先名",
	},
	"currency": {
		"en:Currency", "en:Curr", "en:Currency Code", "en:Ccy", "de:Währung", "de:Whrg", "de:WAERS", "fr:Devise", "fr:Monnaie", "es:Moneda", "es:Divisa",
		"it:Valuta", "nl:Valuta", "pt:Moeda", "zh:币种", "zh:货币", "zh:币别", "vi:Tiền tệ", "vi:Loại tiền", "ja:通貨",
	},
	"incoterm": {
		"en:Incoterm", "en:Incoterms", "en:Delivery Terms", "en:Terms of Delivery", "en:Trade Terms", "en:Inco Terms", "en:Incoterms 2020",
		"de:Lieferbedingung", "de:Lieferbedingungen", "de:Incoterms 1", "fr:Incoterm", "fr:Conditions de livraison", "es:Condiciones de entrega",
		"es:Incoterm", "it:Resa", "it:Condizioni di consegna", "nl:Leveringsvoorwaarden", "pt:Condições de entrega", "zh:贸易条款", "zh:交货条款",
		"zh:贸易术语", "vi:Điều kiện giao hàng", "vi:Điều kiện thương mại", "ja:貿易条件", "ja:インコタームズ",
	},
	"incoterm_place": {
		"en:Incoterm Place", "en:Incoterms Place", "en:Incoterms Location", "en:Named Place", "en:Delivery Place|0.7", "en:Incoterms 2",
		"de:Incoterms-Ort", "de:Incoterms Ort", "de:Lieferort|0.7", "de:Incoterms 2", "de:Incoterms Teil 2", "fr:Lieu Incoterm", "fr:Lieu de livraison|0.7",
		"es:Lugar Incoterm", "es:Lugar de entrega|0.7", "it:Luogo resa", "nl:Plaats Incoterm", "pt:Local Incoterm", "zh:交货地点", "zh:贸易条款地点",
		"vi:Địa điểm giao hàng", "ja:受渡場所",
	},
	"payment_terms": {
		"en:Payment Terms", "en:Terms of Payment", "en:Pay Terms", "en:Payment Condition", "en:Terms|0.7", "de:Zahlungsbedingung",
		"de:Zahlungsbedingungen", "de:Zahlungsziel", "de:ZB", "fr:Conditions de paiement", "fr:Conditions de règlement", "es:Condiciones de pago",
		"es:Forma de pago", "it:Condizioni di pagamento", "it:Pagamento", "nl:Betalingsvoorwaarden", "nl:Betalingstermijn", "pt:Condições de pagamento",
		"zh:付款条件", "zh:付款方式", "zh:支付条款", "vi:Điều kiện thanh toán", "vi:Phương thức thanh toán", "ja:支払条件",
	},
	"requested_delivery_date": {
		"en:Delivery Date", "en:Requested Delivery Date", "en:Req Delivery Date", "en:Need By Date", "en:Need By", "en:Due Date|0.6", "en:Required Date",
		"en:Requested Date", "en:Delivery", "en:Del Date", "en:Promised Date|0.7",
		"de:Liefertermin", "de:Lieferdatum", "de:Wunschtermin", "de:EINDT", "de:Wunschliefertermin", "fr:Date de livraison", "fr:Date livraison",
		"fr:Date de livraison souhaitée", "es:Fecha de entrega", "es:Fecha entrega", "it:Data consegna", "it:Data di consegna", "nl:Leverdatum",
		"nl:Gewenste leverdatum", "pt:Data de entrega", "zh:交货日期", "zh:交期", "zh:要求交货日期", "zh:到货日期", "vi:Ngày giao hàng", "vi:Ngày giao",
		"ja:納期", "ja:希望納期", "ja:納入日",
	},
	"ship_to.name": {
		"en:Ship To", "en:Ship To Name", "en:Ship-to Party", "en:Deliver To", "en:Consignee", "en:Delivery Address", "de:Empfänger", "de:Warenempfänger",
		"de:Lieferadresse", "de:Lieferanschrift", "fr:Destinataire", "fr:Livrer à", "fr:Adresse de livraison", "es:Destinatario", "es:Enviar a",
		"es:Dirección de entrega", "it:Destinatario", "it:Destinazione", "nl:Afleveradres", "nl:Ontvanger", "pt:Destinatário", "pt:Local de entrega",
		"zh:收货人", "zh:收货方", "zh:收货地址", "vi:Người nhận", "vi:Nơi nhận", "ja:納入先", "ja:届け先",
	},
	"ship_to.country": {
		"en:Ship To Country", "en:Destination Country", "en:Country|0.8", "en:Delivery Country", "en:Ctry|0.7", "de:Empfängerland", "de:Land|0.8",
		"de:Lieferland", "de:Bestimmungsland", "fr:Pays de livraison", "fr:Pays destinataire", "fr:Pays|0.8", "fr:Pays de destination",
		"es:País de destino", "es:País|0.8", "es:País de entrega", "it:Paese di destinazione", "it:Paese|0.8", "nl:Land van bestemming", "nl:Land|0.8",
		"pt:País de destino", "pt:País|0.8", "zh:收货国家", "zh:目的国", "zh:国家|0.8", "vi:Nước nhận hàng", "vi:Quốc gia|0.8", "ja:仕向国", "ja:国|0.6",
	},
	"total_amount": {
		"en:Total", "en:Total Amount", "en:Order Total", "en:Grand Total", "en:Total Value", "en:Invoice Total", "en:Gross Amount", "en:Total Gross",
		"en:Invoice Amount", "de:Gesamtbetrag", "de:Gesamtwert", "de:Summe", "de:Bruttobetrag", "de:Rechnungsbetrag", "fr:Montant total", "fr:Total TTC",
		"fr:Montant TTC", "es:Importe total", "es:Total", "es:Monto total", "it:Importo totale", "it:Totale", "nl:Totaalbedrag", "nl:Totaal",
		"pt:Valor total", "pt:Total", "zh:总金额", "zh:合计金额", "zh:订单总额", "zh:价税合计", "vi:Tổng tiền", "vi:Tổng cộng", "vi:Tổng giá trị", "ja:合計金額", "ja:総額",
	},
	"response_number": {
		"en:Confirmation No", "en:Order Confirmation", "en:Confirmation Number", "en:Acknowledgement No", "en:Response No", "en:OC No", "en:Sales Order",
		"de:Auftragsbestätigung", "de:AB-Nr", "de:AB Nummer", "fr:N° confirmation", "fr:Accusé de réception", "es:Nº confirmación", "es:Confirmación",
		"it:Conferma d'ordine", "nl:Orderbevestiging", "pt:Confirmação", "zh:确认单号", "zh:订单确认号", "vi:Số xác nhận", "ja:注文請書番号",
	},
	"response_date": {
		"en:Confirmation Date", "en:Response Date", "en:Acknowledgement Date", "de:AB-Datum", "de:Bestätigungsdatum", "fr:Date de confirmation",
		"es:Fecha de confirmación", "it:Data conferma", "nl:Bevestigingsdatum", "pt:Data de confirmação", "zh:确认日期", "vi:Ngày xác nhận", "ja:回答日",
	},
	"status": {
		"en:Order Status", "en:Header Status", "en:Response Status", "de:Auftragsstatus", "fr:Statut commande", "es:Estado del pedido", "zh:订单状态",
	},
	"lines.status": {
		"en:Status", "en:Line Status", "en:Item Status", "en:Confirmation Status", "de:Status", "de:Positionsstatus", "fr:Statut", "es:Estado",
		"it:Stato", "nl:Status", "pt:Situação", "zh:状态", "zh:确认状态", "vi:Trạng thái", "ja:ステータス",
	},
	"shipment_id": {
		"en:Shipment ID", "en:Shipment No", "en:Shipment", "en:ASN", "en:ASN No", "en:Delivery No", "en:Delivery Note", "en:Dispatch No", "en:Packing List No",
		"de:Lieferschein", "de:Lieferscheinnummer", "de:Lieferung", "de:Sendungsnummer", "de:Versandnummer", "fr:N° expédition", "fr:Bon de livraison",
		"fr:N° BL", "es:Nº envío", "es:Albarán", "es:Número de envío", "it:Numero spedizione", "it:DDT", "nl:Zendingnummer", "nl:Pakbon",
		"pt:Número da remessa", "zh:发货单号", "zh:出货单号", "zh:装箱单号", "zh:送货单号", "vi:Số lô hàng", "vi:Số phiếu giao hàng", "ja:出荷番号", "ja:納品書番号",
	},
	"ship_date": {
		"en:Ship Date", "en:Shipping Date", "en:Shipped", "en:Dispatch Date", "en:ETD", "en:Departure", "de:Versanddatum", "de:Lieferscheindatum",
		"de:Warenausgang", "fr:Date d'expédition", "es:Fecha de envío", "es:Fecha de embarque", "it:Data spedizione", "nl:Verzenddatum",
		"pt:Data de envio", "zh:发货日期", "zh:出货日期", "zh:装运日期", "vi:Ngày gửi hàng", "vi:Ngày xuất hàng", "ja:出荷日",
	},
	"estimated_arrival": {
		"en:ETA", "en:Estimated Arrival", "en:Arrival Date", "en:Expected Arrival", "de:Ankunft", "de:Voraussichtliche Ankunft", "de:Ankunftsdatum",
		"fr:Date d'arrivée", "fr:Arrivée prévue", "es:Fecha de llegada", "es:Llegada estimada", "it:Arrivo previsto", "nl:Verwachte aankomst",
		"pt:Chegada prevista", "zh:预计到达", "zh:预计到港日期", "zh:到港日期", "vi:Ngày dự kiến đến", "ja:到着予定日",
	},
	"carrier": {
		"en:Carrier", "en:Forwarder", "en:Shipping Line", "en:Courier", "de:Spediteur", "de:Frachtführer", "fr:Transporteur", "es:Transportista",
		"it:Vettore", "nl:Vervoerder", "pt:Transportadora", "zh:承运人", "zh:物流公司", "zh:船公司", "vi:Đơn vị vận chuyển", "ja:運送会社",
	},
	"tracking_numbers": {
		"en:Tracking No", "en:Tracking", "en:AWB", "en:Bill of Lading", "en:BL No", "en:Waybill", "en:Container No", "de:Sendungsverfolgung",
		"de:Trackingnummer", "fr:N° de suivi", "es:Nº de seguimiento", "es:Guía", "it:Numero di tracciamento", "nl:Trackingnummer",
		"pt:Código de rastreio", "zh:运单号", "zh:提单号", "zh:快递单号", "zh:跟踪号", "vi:Mã vận đơn", "vi:Số vận đơn", "ja:追跡番号", "ja:送り状番号",
	},
	"packages": {
		"en:Packages", "en:Cartons", "en:No of Packages", "en:Pkgs", "en:CTNS", "en:Package Count", "de:Packstücke", "de:Anzahl Packstücke",
		"de:Kolli", "fr:Colis", "fr:Nombre de colis", "es:Bultos", "it:Colli", "nl:Colli", "pt:Volumes", "zh:件数", "zh:箱数", "vi:Số kiện",
		"vi:Số thùng", "ja:個数",
	},
	"gross_weight.value": {
		"en:Gross Weight", "en:Weight", "en:GW", "en:Gross Wt", "de:Bruttogewicht", "de:Gewicht", "fr:Poids brut", "es:Peso bruto", "it:Peso lordo",
		"nl:Brutogewicht", "pt:Peso bruto", "zh:毛重", "vi:Trọng lượng", "vi:Trọng lượng cả bì", "ja:総重量",
	},
	"gross_weight.unit": {
		"en:Weight Unit", "en:Gross Weight Unit", "en:GW Unit", "de:Gewichtseinheit", "fr:Unité de poids", "es:Unidad de peso", "it:Unità peso",
		"nl:Gewichtseenheid", "pt:Unidade de peso", "zh:重量单位", "vi:Đơn vị trọng lượng", "ja:重量単位",
	},
	"invoice_number": {
		"en:Invoice No", "en:Invoice", "en:Invoice Number", "en:Inv No", "en:Invoice ID", "en:Bill No", "de:Rechnungsnummer", "de:Rechnung",
		"de:Rechnungs-Nr.", "fr:N° facture", "fr:Numéro de facture", "fr:Facture", "es:Nº factura", "es:Número de factura", "es:Factura",
		"it:Numero fattura", "it:Fattura", "nl:Factuurnummer", "nl:Factuur", "pt:Número da fatura", "pt:Fatura", "pt:Nota fiscal", "zh:发票号",
		"zh:发票号码", "zh:发票编号", "vi:Số hóa đơn", "ja:請求書番号",
	},
	"invoice_date": {
		"en:Invoice Date", "en:Inv Date", "en:Billing Date", "de:Rechnungsdatum", "fr:Date de facture", "fr:Date facture", "es:Fecha de factura",
		"es:Fecha factura", "it:Data fattura", "nl:Factuurdatum", "pt:Data da fatura", "pt:Data de emissão", "zh:发票日期", "zh:开票日期",
		"vi:Ngày hóa đơn", "ja:請求日",
	},
	"due_date": {
		"en:Due Date", "en:Payment Due", "en:Due", "en:Payment Date", "de:Fälligkeit", "de:Fälligkeitsdatum", "de:Fällig am", "fr:Date d'échéance",
		"fr:Échéance", "es:Fecha de vencimiento", "es:Vencimiento", "it:Scadenza", "it:Data scadenza", "nl:Vervaldatum", "pt:Vencimento",
		"pt:Data de vencimento", "zh:到期日", "zh:付款日期", "vi:Hạn thanh toán", "vi:Ngày đến hạn", "ja:支払期日",
	},
	"line_total": {
		"en:Net Total", "en:Subtotal", "en:Net Amount|0.8", "en:Total Net", "de:Nettobetrag", "de:Zwischensumme", "de:Netto", "fr:Total HT",
		"fr:Montant HT", "es:Subtotal", "es:Base imponible", "it:Imponibile", "nl:Subtotaal", "nl:Totaal excl btw", "pt:Subtotal", "zh:不含税金额",
		"zh:小计", "vi:Thành tiền trước thuế", "vi:Tổng tiền hàng", "ja:小計", "ja:税抜金額",
	},
	"tax_amount": {
		"en:VAT", "en:Tax", "en:Tax Amount", "en:VAT Amount", "en:Sales Tax", "de:MwSt", "de:Umsatzsteuer", "de:Steuerbetrag", "de:USt", "fr:TVA",
		"fr:Montant TVA", "es:IVA", "es:Impuesto", "it:IVA", "nl:BTW", "nl:Btw-bedrag", "pt:Imposto", "pt:ICMS", "zh:税额", "zh:增值税",
		"vi:Thuế GTGT", "vi:Tiền thuế", "vi:Thuế", "ja:消費税", "ja:税額",
	},
	"payable_amount": {
		"en:Amount Due", "en:Payable", "en:Payable Amount", "en:Balance Due", "de:Zahlbetrag", "de:Zu zahlen", "fr:Net à payer", "fr:Montant à payer",
		"es:Importe a pagar", "it:Netto a pagare", "nl:Te betalen", "pt:Valor a pagar", "zh:应付金额", "vi:Số tiền phải trả", "ja:請求金額",
	},
	"payee_account": {
		"en:IBAN", "en:Bank Account", "en:Account No", "de:Kontonummer", "de:Bankverbindung", "fr:RIB", "fr:Compte bancaire", "es:Cuenta bancaria",
		"it:Conto corrente", "nl:Rekeningnummer", "pt:Conta bancária", "zh:银行账号", "vi:Số tài khoản", "ja:口座番号",
	},
	"payee_account.bic": {
		"en:BIC", "en:SWIFT", "en:SWIFT Code", "en:BIC SWIFT", "de:BIC", "fr:Code BIC", "es:Código SWIFT", "zh:SWIFT代码", "vi:Mã SWIFT",
	},
	"payee_account.name": {
		"en:Account Holder", "en:Beneficiary", "en:Account Name", "de:Kontoinhaber", "fr:Titulaire du compte", "es:Titular de la cuenta",
		"zh:开户名", "zh:收款人", "vi:Chủ tài khoản", "ja:口座名義",
	},
	"report_date": {
		"en:Report Date", "en:Reported", "en:As Of", "en:Status Date", "de:Berichtsdatum", "de:Stand", "fr:Date du rapport", "es:Fecha del informe",
		"it:Data report", "nl:Rapportdatum", "pt:Data do relatório", "zh:报告日期", "zh:更新日期", "vi:Ngày báo cáo", "ja:報告日",
	},
	"percent_complete": {
		"en:Percent Complete", "en:Progress", "en:% Complete", "en:Completion", "en:Done %", "de:Fortschritt", "de:Fertigstellungsgrad",
		"de:Fertigstellung", "fr:Avancement", "fr:% réalisé", "es:Avance", "es:Porcentaje completado", "it:Avanzamento", "nl:Voortgang",
		"pt:Progresso", "zh:完成率", "zh:进度", "zh:完成百分比", "vi:Tiến độ", "vi:Phần trăm hoàn thành", "ja:進捗率", "ja:進捗",
	},
	"expected_ready_date": {
		"en:Expected Ready Date", "en:Ready Date", "en:Ex Factory Date", "en:Ready By", "en:Completion Date", "de:Fertigstellungsdatum",
		"de:Voraussichtlich fertig", "fr:Date prévue de fin", "fr:Date de disponibilité", "es:Fecha estimada de terminación", "es:Fecha lista",
		"it:Data pronto merce", "nl:Verwachte gereeddatum", "pt:Data prevista de conclusão", "zh:预计完成日期", "zh:预计完工日期", "zh:出厂日期",
		"vi:Ngày dự kiến hoàn thành", "ja:完成予定日",
	},
	"note": {
		"en:Note", "en:Notes", "en:Comment", "en:Comments", "en:Remark", "en:Remarks", "de:Bemerkung", "de:Kommentar", "de:Hinweis", "fr:Remarque",
		"fr:Commentaire", "es:Observaciones", "es:Comentario", "it:Note", "it:Osservazioni", "nl:Opmerking", "pt:Observação", "zh:备注", "zh:说明",
		"vi:Ghi chú", "ja:備考",
	},
	"category": {
		"en:Category", "en:Product Group", "en:Commodity", "de:Warengruppe", "de:Kategorie", "fr:Catégorie", "fr:Famille", "es:Categoría",
		"es:Familia", "it:Categoria", "nl:Categorie", "pt:Categoria", "zh:类别", "zh:品类", "vi:Danh mục", "vi:Loại hàng", "ja:カテゴリ", "ja:品目分類",
	},
	"pack_size": {
		"en:Pack Size", "en:Pack Qty", "en:Qty per Carton", "en:Units per Pack", "en:Inner Pack", "de:Packungsgröße", "de:VPE", "fr:Conditionnement",
		"es:Unidades por caja", "it:Confezione", "nl:Verpakkingseenheid", "pt:Embalagem", "zh:包装数量", "zh:每箱数量", "vi:Quy cách đóng gói", "ja:入数",
	},
	"moq": {
		"en:MOQ", "en:Min Order Qty", "en:Minimum Order Quantity", "en:Minimum Qty", "de:Mindestbestellmenge", "de:Mindestmenge", "fr:Quantité minimum",
		"es:Cantidad mínima", "es:Pedido mínimo", "it:Quantità minima", "nl:Minimale bestelhoeveelheid", "pt:Quantidade mínima", "zh:最小起订量",
		"zh:起订量", "vi:Số lượng tối thiểu", "ja:最小発注数量",
	},
	"capacity_per_week": {
		"en:Capacity per Week", "en:Weekly Capacity", "de:Kapazität pro Woche", "de:Wochenkapazität", "fr:Capacité par semaine", "es:Capacidad semanal",
		"zh:周产能", "vi:Công suất tuần", "ja:週産能力",
	},
	"capacity_per_month": {
		"en:Capacity per Month", "en:Monthly Capacity", "en:Capacity", "de:Kapazität pro Monat", "de:Monatskapazität", "fr:Capacité mensuelle",
		"es:Capacidad mensual", "zh:月产能", "zh:产能", "vi:Công suất tháng", "ja:月産能力",
	},
	"lead_time_days": {
		"en:Lead Time", "en:Lead Time Days", "en:LT Days", "en:Lead Time (days)", "de:Lieferzeit", "de:Wiederbeschaffungszeit", "de:Lieferzeit Tage",
		"fr:Délai", "fr:Délai de livraison", "es:Plazo de entrega", "es:Tiempo de entrega", "it:Tempo di consegna", "nl:Levertijd", "pt:Prazo de entrega",
		"zh:交货周期", "zh:生产周期", "zh:交期天数", "vi:Thời gian giao hàng", "ja:リードタイム",
	},
	"prices.valid_from": {
		"en:Valid From", "en:Effective Date", "en:Start Date", "en:Price Valid From", "de:Gültig ab", "de:Gültig von", "fr:Valable à partir du",
		"fr:Date de début", "es:Válido desde", "it:Valido dal", "nl:Geldig vanaf", "pt:Válido a partir de", "zh:生效日期", "zh:有效期开始", "vi:Hiệu lực từ", "ja:適用開始日",
	},
	"prices.valid_to": {
		"en:Valid To", "en:Valid Until", "en:Expiry Date", "en:End Date", "de:Gültig bis", "fr:Valable jusqu'au", "fr:Date de fin", "es:Válido hasta",
		"it:Valido fino al", "nl:Geldig tot", "pt:Válido até", "zh:失效日期", "zh:有效期至", "vi:Hiệu lực đến", "ja:適用終了日",
	},
	"lines.line_number": {
		"en:Line", "en:Line No", "en:Line Number", "en:Item|0.8", "en:Item No|0.6", "en:Pos", "en:Position", "en:PO Line", "en:PO Item", "en:Ln",
		"de:Position", "de:Pos.", "de:Positionsnummer", "de:EBELP", "de:Zeile", "fr:Ligne", "fr:N° ligne", "fr:Poste", "es:Línea", "es:Posición", "es:Nº línea",
		"it:Riga", "it:Posizione", "nl:Regel", "nl:Regelnummer", "nl:Positie", "pt:Linha", "pt:Item|0.8", "zh:行号", "zh:项次", "zh:序号", "zh:项目号",
		"vi:STT", "vi:Dòng", "vi:Số thứ tự", "ja:明細番号", "ja:行番号",
	},
	"lines.sku": {
		"en:SKU", "en:Supplier SKU", "en:Vendor Part No", "en:Supplier Part No", "en:Part No", "en:Part Number", "en:Article No", "en:Article",
		"en:Item Code", "en:Product Code", "en:Product No", "en:Item No|0.8", "en:Vendor Item", "en:Supplier Item", "en:Manufacturer Part No", "en:Model",
		"en:Product ID", "de:Artikelnummer", "de:Artikel", "de:Lieferantenmaterial", "de:Lieferantenartikel", "de:Lieferanten-Artikelnummer", "de:Art.-Nr.",
		"de:Teilenummer", "de:Sachnummer", "fr:Référence", "fr:Réf article", "fr:Référence fournisseur", "fr:Code article", "fr:Article",
		"es:Código de artículo", "es:Referencia", "es:Código producto", "es:Artículo", "es:SKU proveedor", "it:Codice articolo", "it:Articolo",
		"it:Codice prodotto", "nl:Artikelnummer", "nl:Artikelcode", "pt:Código do produto", "pt:Referência", "pt:Código do item", "zh:物料编码",
		"zh:产品编号", "zh:料号", "zh:货号", "zh:型号", "zh:产品代码", "zh:物料号", "vi:Mã hàng", "vi:Mã sản phẩm", "vi:Mã SP", "ja:品番", "ja:商品コード", "ja:品目コード",
	},
	"lines.buyer_sku": {
		"en:Buyer SKU", "en:Customer Part No", "en:Our Part No", "en:Material", "en:Material No", "en:Customer Item", "en:Buyer Part No", "en:Customer SKU",
		"de:Material", "de:Materialnummer", "de:MATNR", "de:Kundenmaterial", "de:Unsere Artikelnummer", "fr:Référence client", "fr:Code article client",
		"es:Referencia cliente", "es:Código cliente artículo", "it:Codice cliente", "nl:Klantartikelnummer", "pt:Código do cliente produto", "zh:客户料号",
		"zh:客户物料编码", "zh:客户货号", "vi:Mã hàng khách", "ja:客先品番",
	},
	"lines.gtin": {
		"en:GTIN", "en:EAN", "en:UPC", "en:Barcode", "en:EAN Code", "en:EAN13", "de:EAN", "de:EAN-Code", "de:Strichcode", "fr:Code EAN", "fr:Code-barres",
		"es:Código de barras", "es:EAN", "it:Codice a barre", "nl:Streepjescode", "pt:Código de barras", "zh:条码", "zh:条形码", "zh:国际条码", "vi:Mã vạch", "ja:JANコード", "ja:JAN",
	},
	"lines.description": {
		"en:Description", "en:Item Description", "en:Product Description", "en:Product Name", "en:Short Text", "en:Desc", "en:Material Description",
		"en:Product", "en:Item Name", "en:Text", "de:Beschreibung", "de:Kurztext", "de:Bezeichnung", "de:Artikelbezeichnung", "de:Materialkurztext", "de:TXZ01",
		"de:Artikeltext", "fr:Désignation", "fr:Description", "fr:Libellé", "es:Descripción", "es:Denominación", "it:Descrizione", "nl:Omschrijving",
		"nl:Beschrijving", "pt:Descrição", "zh:描述", "zh:品名", "zh:物料描述", "zh:产品名称", "zh:名称", "zh:商品名称", "vi:Tên hàng", "vi:Mô tả",
		"vi:Tên sản phẩm", "vi:Diễn giải", "ja:品名", "ja:商品名", "ja:摘要",
	},
	"lines.quantity": {
		"en:Quantity", "en:Qty", "en:Order Qty", "en:Ordered Qty", "en:PO Qty", "en:Qty Ordered", "en:Shipped Qty", "en:Confirmed Qty", "en:Invoiced Qty",
		"en:Amount|0.3", "de:Menge", "de:Bestellmenge", "de:Anzahl", "de:Liefermenge", "de:MENGE", "de:Bestätigte Menge", "fr:Quantité", "fr:Qté", "fr:Qte commandée",
		"es:Cantidad", "es:Cant", "it:Quantità", "it:Qtà", "nl:Aantal", "nl:Hoeveelheid", "pt:Quantidade", "pt:Qtd", "pt:Qtde", "zh:数量", "zh:订购数量",
		"zh:采购数量", "zh:发货数量", "zh:确认数量", "vi:Số lượng", "vi:SL", "ja:数量", "ja:発注数量",
	},
	"lines.unit": {
		"en:Unit", "en:UoM", "en:Unit of Measure", "en:UM", "en:Order Unit", "en:U/M", "de:Einheit", "de:ME", "de:Mengeneinheit", "de:MEINS", "de:BME", "de:Bestellmengeneinheit",
		"fr:Unité", "fr:UdM", "fr:Unité de mesure", "es:Unidad", "es:Unidad de medida", "es:UM", "it:Unità", "it:UdM", "it:Unità di misura",
		"nl:Eenheid", "pt:Unidade", "pt:Unidade de medida", "zh:单位", "zh:计量单位", "vi:Đơn vị tính", "vi:ĐVT", "vi:Đơn vị", "ja:単位",
	},
	"lines.unit_price": {
		"en:Unit Price", "en:Price", "en:Net Price", "en:Price per Unit", "en:Unit Cost", "en:Rate", "en:Price Each", "de:Preis", "de:Nettopreis", "de:NETPR",
		"de:Einzelpreis", "de:Stückpreis", "fr:Prix unitaire", "fr:Prix", "fr:PU", "fr:Prix unitaire HT", "es:Precio unitario", "es:Precio",
		"it:Prezzo unitario", "it:Prezzo", "nl:Prijs", "nl:Eenheidsprijs", "nl:Stukprijs", "pt:Preço unitário", "pt:Preço", "zh:单价", "zh:含税单价",
		"zh:未税单价", "zh:价格", "vi:Đơn giá", "vi:Giá", "ja:単価",
	},
	"lines.amount": {
		"en:Amount", "en:Line Amount", "en:Line Total", "en:Total Price", "en:Net Value", "en:Extended Price", "en:Ext Price", "en:Value", "en:Net Amount",
		"de:Nettowert", "de:NETWR", "de:Betrag", "de:Positionswert", "de:Gesamtpreis", "de:Wert", "fr:Montant", "fr:Montant ligne", "fr:Total ligne",
		"es:Importe", "es:Importe línea", "es:Valor", "it:Importo", "it:Valore", "nl:Bedrag", "nl:Regelbedrag", "pt:Valor", "pt:Valor da linha",
		"zh:金额", "zh:总价", "zh:小计金额", "vi:Thành tiền", "vi:Giá trị", "ja:金額",
	},
	"lines.hs_code": {
		"en:HS Code", "en:HS", "en:Tariff Code", "en:Customs Code", "en:HTS", "en:HTS Code", "en:Commodity Code", "en:Customs Tariff No",
		"de:Warennummer", "de:Zolltarifnummer", "de:Statistische Warennummer", "de:Zolltarif", "fr:Code SH", "fr:Nomenclature douanière", "fr:Code douanier",
		"es:Código arancelario", "es:Partida arancelaria", "es:Código HS", "it:Codice doganale", "it:Voce doganale", "nl:Goederencode", "nl:GN-code",
		"pt:NCM", "pt:Código SH", "zh:海关编码", "zh:HS编码", "zh:商品编码", "zh:税号", "vi:Mã HS", "ja:HSコード", "ja:関税番号",
	},
	"lines.origin_country": {
		"en:Country of Origin", "en:Origin", "en:COO", "en:Origin Country", "en:Made In", "de:Ursprungsland", "de:Herkunftsland", "de:Ursprung",
		"fr:Pays d'origine", "fr:Origine", "es:País de origen", "es:Origen", "it:Paese di origine", "it:Origine", "nl:Land van herkomst", "nl:Herkomst",
		"pt:País de origem", "pt:Origem", "zh:原产国", "zh:产地", "zh:原产地", "vi:Xuất xứ", "vi:Nước xuất xứ", "ja:原産国",
	},
	"lines.delivery_date": {
		"en:Confirmed Date", "en:Confirmed Delivery Date", "en:Promised Date", "en:Ship Date|0.7", "de:Bestätigter Liefertermin", "de:Bestätigtes Lieferdatum",
		"fr:Date confirmée", "es:Fecha confirmada", "zh:确认交期", "zh:回复交期", "vi:Ngày giao xác nhận", "ja:回答納期",
	},
}

// synonymAliases lets a field use another field's synonyms too, with a
// weight: a catalog's sku is what an order line calls lines.sku.
var synonymAliases = map[string][]alias{
	"lines.order_number":  {{"order_number", 1}},
	"order_numbers":       {{"order_number", 0.9}},
	"sku":                 {{"lines.sku", 1}},
	"buyer_sku":           {{"lines.buyer_sku", 1}},
	"description":         {{"lines.description", 1}},
	"unit":                {{"lines.unit", 1}},
	"hs_code":             {{"lines.hs_code", 1}},
	"origin_country":      {{"lines.origin_country", 1}},
	"prices.currency":     {{"currency", 1}},
	"prices.unit_price":   {{"lines.unit_price", 1}},
	"lines.delivery_date": {{"requested_delivery_date", 0.9}},
	"status":              {{"lines.status", 0.8}},
	"order_date":          {{"@date", 1}},
	"ship_date":           {{"@date", 1}},
	"invoice_date":        {{"@date", 1}},
	"response_date":       {{"@date", 1}},
	"report_date":         {{"@date", 1}},
}

type alias struct {
	field  string
	weight float64
}

// synonym is one header a field is known by, normalised.
type synonym struct {
	text   string // as written in the table
	norm   string // normHeader(text)
	padded string // norm between spaces, to find it as whole words
	cjk    bool   // norm has CJK text, found anywhere in a header
	lang   string
	weight float64
}

// synonyms holds the table parsed, by field. A header listed under one
// field in several languages is one synonym with their codes ("it, nl").
var synonyms = func() map[string][]synonym {
	out := map[string][]synonym{}
	for field, entries := range synonymTable {
	entry:
		for _, e := range entries {
			lang, text, _ := strings.Cut(e, ":")
			w := 1.0
			if t, ws, ok := strings.Cut(text, "|"); ok {
				text = t
				if f, err := strconv.ParseFloat(ws, 64); err == nil {
					w = f
				}
			}
			n := normHeader(text)
			for i, s := range out[field] {
				if s.norm == n {
					if !strings.Contains(s.lang, lang) {
						out[field][i].lang += ", " + lang
					}
					continue entry
				}
			}
			out[field] = append(out[field], synonym{text: text, norm: n, padded: " " + n + " ", cjk: isCJKString(n), lang: lang, weight: w})
		}
	}
	return out
}()

// headerMatch is how well a header matches one field's names.
type headerMatch struct {
	score float64
	syn   synonym
	exact bool
}

// matchHeader scores a normalised header against a field's synonyms (and
// those it borrows): 1 for the same words, less for a name inside the
// header (more when the name covers more of it), times the synonym's weight.
func matchHeader(norm, field string) headerMatch {
	var best headerMatch
	if norm == "" {
		return best
	}
	padded := " " + norm + " "
	cjk := isCJKString(norm)
	try := func(syns []synonym, w float64) {
		for _, s := range syns {
			var m headerMatch
			switch {
			case norm == s.norm:
				m = headerMatch{score: s.weight * w, syn: s, exact: true}
			case s.cjk && cjk && strings.Contains(norm, s.norm),
				!s.cjk && len(s.norm) < len(norm) && strings.Contains(padded, s.padded):
				cover := float64(len([]rune(s.norm))) / float64(len([]rune(norm)))
				m = headerMatch{score: (0.5 + 0.35*cover) * s.weight * w, syn: s}
			default:
				continue
			}
			if m.score > best.score {
				best = m
			}
		}
	}
	try(synonyms[field], 1)
	for _, a := range synonymAliases[field] {
		try(synonyms[a.field], a.weight)
	}
	return best
}
