"""The canonical schema: how raw API fields become Dataset columns, and of what kind.

This is the one place that knows raw API field names. Everything downstream uses the canonical
snake_case names below. Kinds:
  sfid      Salesforce Id, stored as its 18-character form
  str       text (empty string becomes NA)
  qbid      a QBO Id or a link to one: text, never cast ('1.0' stays '1.0'), never formula-like
  bool      true/false in any case
  cents     money as integer cents (Int64); exact sums and comparisons
  num       a quantity, rate or unit price (float64; unit prices keep QBO's extra decimals)
  date      a calendar date (datetime64, no time zone)
  ts        a timestamp, tz-aware UTC
Link fields named in the client config (`links:`) are mapped to the role columns
`qb_customer_id`, `qb_item_id`, `qb_invoice_id`, `sync_status`, `sync_error`, `last_sync`;
rollup fields (`rollups:`) to `rollup_*` columns (ROLLUP_ROLES).
"""

from __future__ import annotations

# Salesforce object -> (table name, {API field: (column, kind)})
SF_OBJECTS: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "Account": (
        "accounts",
        {
            "Id": ("id", "sfid"),
            "Name": ("name", "str"),
            "Type": ("type", "str"),
            "Phone": ("phone", "str"),
            "Website": ("website", "str"),
            "BillingStreet": ("billing_street", "str"),
            "BillingCity": ("billing_city", "str"),
            "BillingState": ("billing_state", "str"),
            "BillingPostalCode": ("billing_postal_code", "str"),
            "BillingCountry": ("billing_country", "str"),
            "CurrencyIsoCode": ("currency", "str"),
            "ParentId": ("parent_id", "sfid"),
            "IsPersonAccount": ("is_person_account", "bool"),
            "FirstName": ("first_name", "str"),
            "LastName": ("last_name", "str"),
            "PersonEmail": ("person_email", "str"),
            "IsDeleted": ("is_deleted", "bool"),
            "MasterRecordId": ("master_record_id", "sfid"),
            "OwnerId": ("owner_id", "sfid"),
            "CreatedDate": ("created_date", "ts"),
            "LastModifiedDate": ("last_modified_date", "ts"),
        },
    ),
    "Contact": (
        "contacts",
        {
            "Id": ("id", "sfid"),
            "AccountId": ("account_id", "sfid"),
            "FirstName": ("first_name", "str"),
            "LastName": ("last_name", "str"),
            "Email": ("email", "str"),
            "Phone": ("phone", "str"),
            "IsDeleted": ("is_deleted", "bool"),
            "CreatedDate": ("created_date", "ts"),
            "LastModifiedDate": ("last_modified_date", "ts"),
        },
    ),
    "Product2": (
        "products",
        {
            "Id": ("id", "sfid"),
            "Name": ("name", "str"),
            "ProductCode": ("product_code", "str"),
            "Description": ("description", "str"),
            "Family": ("family", "str"),
            "IsActive": ("is_active", "bool"),
            "IsDeleted": ("is_deleted", "bool"),
            "CreatedDate": ("created_date", "ts"),
            "LastModifiedDate": ("last_modified_date", "ts"),
        },
    ),
    "Pricebook2": (
        "pricebooks",
        {
            "Id": ("id", "sfid"),
            "Name": ("name", "str"),
            "IsStandard": ("is_standard", "bool"),
            "IsActive": ("is_active", "bool"),
        },
    ),
    "PricebookEntry": (
        "pricebook_entries",
        {
            "Id": ("id", "sfid"),
            "Pricebook2Id": ("pricebook_id", "sfid"),
            "Product2Id": ("product_id", "sfid"),
            "UnitPrice": ("unit_price", "num"),
            "CurrencyIsoCode": ("currency", "str"),
            "IsActive": ("is_active", "bool"),
            "UseStandardPrice": ("use_standard_price", "bool"),
        },
    ),
    "Opportunity": (
        "opportunities",
        {
            "Id": ("id", "sfid"),
            "AccountId": ("account_id", "sfid"),
            "Name": ("name", "str"),
            "StageName": ("stage_name", "str"),
            "IsWon": ("is_won", "bool"),
            "IsClosed": ("is_closed", "bool"),
            "CloseDate": ("close_date", "date"),
            "Amount": ("amount_cents", "cents"),
            "CurrencyIsoCode": ("currency", "str"),
            "Pricebook2Id": ("pricebook_id", "sfid"),
            "IsDeleted": ("is_deleted", "bool"),
            "CreatedDate": ("created_date", "ts"),
            "LastModifiedDate": ("last_modified_date", "ts"),
        },
    ),
    "OpportunityLineItem": (
        "opportunity_lines",
        {
            "Id": ("id", "sfid"),
            "OpportunityId": ("opportunity_id", "sfid"),
            "Product2Id": ("product_id", "sfid"),
            "PricebookEntryId": ("pricebook_entry_id", "sfid"),
            "Quantity": ("quantity", "num"),
            "UnitPrice": ("unit_price", "num"),
            "ListPrice": ("list_price", "num"),
            "Discount": ("discount_pct", "num"),
            "Subtotal": ("subtotal_cents", "cents"),
            "TotalPrice": ("total_price_cents", "cents"),
            "Description": ("description", "str"),
            "SortOrder": ("sort_order", "num"),
            "CurrencyIsoCode": ("currency", "str"),
            "CreatedDate": ("created_date", "ts"),
            "LastModifiedDate": ("last_modified_date", "ts"),
        },
    ),
    # Optional: the org's own record of logins (who, how, which API and version). Only users with
    # Manage Users or Monitor Login History read everyone's; since API 37.0 anyone reads their own.
    "LoginHistory": (
        "login_history",
        {
            "Id": ("id", "sfid"),
            "UserId": ("user_id", "sfid"),
            "LoginTime": ("login_time", "ts"),
            "LoginType": ("login_type", "str"),
            "ApiType": ("api_type", "str"),
            "ApiVersion": ("api_version", "str"),
            "Application": ("application", "str"),
            "Status": ("status", "str"),
            "LoginUrl": ("login_url", "str"),
        },
    ),
}

# Objects a pull reads only when the org lets it, with the filter that keeps them small
# (UI logins, LoginType 'Application', say nothing about how an integration authenticates).
SF_OPTIONAL_OBJECTS: dict[str, str] = {"LoginHistory": "LoginType != 'Application'"}

# The link roles from the config: role -> (Salesforce object, canonical column, kind)
LINK_ROLES: dict[str, tuple[str, str]] = {
    "account_customer_id": ("qb_customer_id", "qbid"),
    "product_item_id": ("qb_item_id", "qbid"),
    "opportunity_invoice_id": ("qb_invoice_id", "qbid"),
    "opportunity_sync_status": ("sync_status", "str"),
    "opportunity_sync_error": ("sync_error", "str"),
    "opportunity_last_sync": ("last_sync", "ts"),
}

# The rollup roles from the config (`rollups:`): money the connector writes back from QBO.
# role -> (canonical column, kind); the object is the role's level (Account or Opportunity).
ROLLUP_ROLES: dict[str, tuple[str, str]] = {
    "account_amount_due": ("rollup_due_cents", "cents"),
    "account_amount_overdue": ("rollup_overdue_cents", "cents"),
    "account_amount_invoiced": ("rollup_invoiced_cents", "cents"),
    "account_amount_paid": ("rollup_paid_cents", "cents"),
    "account_amount_credited": ("rollup_credited_cents", "cents"),
    "opportunity_amount_paid": ("rollup_paid_cents", "cents"),
    "opportunity_balance": ("rollup_balance_cents", "cents"),
    "opportunity_payment_status": ("rollup_payment_status", "str"),
}

# QBO entity -> (table name, {dotted JSON path: (column, kind)})
_QB_COMMON = {
    "Id": ("id", "qbid"),
    "SyncToken": ("sync_token", "str"),
    "domain": ("domain", "str"),
    "MetaData.CreateTime": ("create_time", "ts"),
    "MetaData.LastUpdatedTime": ("last_updated_time", "ts"),
}
_QB_ADDRESS = {
    "BillAddr.Line1": ("bill_line1", "str"),
    "BillAddr.Line2": ("bill_line2", "str"),
    "BillAddr.City": ("bill_city", "str"),
    "BillAddr.CountrySubDivisionCode": ("bill_state", "str"),
    "BillAddr.PostalCode": ("bill_postal_code", "str"),
    "BillAddr.Country": ("bill_country", "str"),
}
_QB_PARTY = {
    "DisplayName": ("display_name", "str"),
    "CompanyName": ("company_name", "str"),
    "GivenName": ("given_name", "str"),
    "FamilyName": ("family_name", "str"),
    "Active": ("active", "bool"),
    "PrimaryEmailAddr.Address": ("email", "str"),
    "PrimaryPhone.FreeFormNumber": ("phone", "str"),
    "CurrencyRef.value": ("currency", "str"),
}
_QB_TXN = {
    "DocNumber": ("doc_number", "str"),
    "TxnDate": ("txn_date", "date"),
    "CustomerRef.value": ("customer_id", "str"),
    "CustomerRef.name": ("customer_name", "str"),
    "CurrencyRef.value": ("currency", "str"),
    "ExchangeRate": ("exchange_rate", "num"),
    "TotalAmt": ("total_cents", "cents"),
    "HomeTotalAmt": ("home_total_cents", "cents"),
    "PrivateNote": ("private_note", "str"),
}

QB_ENTITIES: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "Customer": (
        "customers",
        {
            **_QB_COMMON,
            **_QB_PARTY,
            **_QB_ADDRESS,
            "FullyQualifiedName": ("fully_qualified_name", "str"),
            "Job": ("job", "bool"),
            "ParentRef.value": ("parent_id", "str"),
            "Balance": ("balance_cents", "cents"),
            "Notes": ("notes", "str"),
        },
    ),
    "Vendor": ("vendors", {**_QB_COMMON, **_QB_PARTY}),
    "Employee": ("employees", {**_QB_COMMON, **_QB_PARTY}),
    "Item": (
        "items",
        {
            **_QB_COMMON,
            "Name": ("name", "str"),
            "Sku": ("sku", "str"),
            "Type": ("type", "str"),
            "Active": ("active", "bool"),
            "UnitPrice": ("unit_price", "num"),
            "Description": ("description", "str"),
            "QtyOnHand": ("qty_on_hand", "num"),
            "TrackQtyOnHand": ("track_qty_on_hand", "bool"),
            "IncomeAccountRef.value": ("income_account_id", "str"),
            "FullyQualifiedName": ("fully_qualified_name", "str"),
        },
    ),
    "Invoice": (
        "invoices",
        {
            **_QB_COMMON,
            **_QB_TXN,
            "Balance": ("balance_cents", "cents"),
            "DueDate": ("due_date", "date"),
            "TxnTaxDetail.TotalTax": ("total_tax_cents", "cents"),
            "GlobalTaxCalculation": ("global_tax_calculation", "str"),
        },
    ),
    "CreditMemo": (
        "credit_memos",
        {
            **_QB_COMMON,
            **_QB_TXN,
            "Balance": ("balance_cents", "cents"),
            "RemainingCredit": ("remaining_credit_cents", "cents"),
        },
    ),
    "SalesReceipt": ("sales_receipts", {**_QB_COMMON, **_QB_TXN}),
    "Payment": (
        "payments",
        {
            **_QB_COMMON,
            "TxnDate": ("txn_date", "date"),
            "CustomerRef.value": ("customer_id", "str"),
            "CurrencyRef.value": ("currency", "str"),
            "TotalAmt": ("total_cents", "cents"),
            "UnappliedAmt": ("unapplied_cents", "cents"),
            "PaymentRefNum": ("payment_ref_num", "str"),
            "PrivateNote": ("private_note", "str"),
        },
    ),
    "TaxCode": (
        "tax_codes",
        {
            **_QB_COMMON,
            "Name": ("name", "str"),
            "Active": ("active", "bool"),
            "Taxable": ("taxable", "bool"),
        },
    ),
    "CompanyInfo": (
        "company_info",
        {
            **_QB_COMMON,
            "CompanyName": ("company_name", "str"),
            "LegalName": ("legal_name", "str"),
            "Country": ("country", "str"),
            "CompanyStartDate": ("company_start_date", "date"),
        },
    ),
    "Preferences": (
        "preferences",
        {
            **_QB_COMMON,
            "CurrencyPrefs.MultiCurrencyEnabled": ("multicurrency_enabled", "bool"),
            "CurrencyPrefs.HomeCurrency.value": ("home_currency", "str"),
            "SalesFormsPrefs.CustomTxnNumbers": ("custom_txn_numbers", "bool"),
            "SalesFormsPrefs.AllowDuplicateDocNum": ("allow_duplicate_doc_num", "bool"),
        },
    ),
}

# Transactions whose Line[] array becomes its own table: entity -> lines table
QB_LINE_TABLES = {
    "Invoice": "invoice_lines",
    "CreditMemo": "credit_memo_lines",
    "SalesReceipt": "sales_receipt_lines",
}

# Columns of a line table; GroupLineDetail children are flattened with group_line_id set.
LINE_COLUMNS: dict[str, str] = {
    "txn_id": "str",
    "line_id": "str",
    "line_num": "num",
    "detail_type": "str",
    "item_id": "str",
    "item_name": "str",
    "qty": "num",
    "unit_price": "num",
    "amount_cents": "cents",
    "description": "str",
    "tax_code": "str",
    "discount_pct": "num",
    "percent_based": "bool",
    "group_line_id": "str",
}

PAYMENT_LINK_COLUMNS: dict[str, str] = {
    "payment_id": "str",
    "amount_cents": "cents",
    "txn_id": "str",
    "txn_type": "str",
}

SYNC_LOG_COLUMNS: dict[str, str] = {
    "timestamp": "ts",
    "direction": "str",
    "sf_object": "str",
    "sf_id": "sfid",
    "qb_entity": "str",
    "qb_id": "str",
    "operation": "str",
    "status": "str",
    "error_code": "str",
    "message": "str",
    "attempt": "num",
}

SF_OBJECT_OF_TABLE = {table: obj for obj, (table, _) in SF_OBJECTS.items()}


def to_snake(name: str) -> str:
    """API name -> snake_case column: 'BillingPostalCode' -> 'billing_postal_code', 'Account.Name' -> 'account_name'."""
    out = []
    name = name.replace(".", "_")
    for i, char in enumerate(name):
        if (
            char.isupper()
            and i
            and (name[i - 1].islower() or (i + 1 < len(name) and name[i + 1].islower()))
            and name[i - 1] != "_"
        ):
            out.append("_")
        out.append(char.lower())
    return "".join(out)
