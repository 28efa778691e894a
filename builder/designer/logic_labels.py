"""Localized labels of the document's property names and enum values, for the generic editor
(the schema's names are the API; analysts read these)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PROPERTIES = {
    "key": _l("Key (API name)"), "label": _l("Label"), "description": _l("Description"), "active": _l("Active"),
    "object": _l("Object"), "trigger": _l("Trigger"), "type": _l("Type"), "when": _l("Condition (when)"),
    "phase": _l("Phase"), "actions": _l("Actions"), "field": _l("Field"), "value": _l("Value"),
    "to": _l("To"), "values": _l("Values"), "link": _l("Link field"), "lookup": _l("Lookup field"),
    "children": _l("Child records"), "via": _l("Via lookup"), "channels": _l("Channels"), "title": _l("Title"),
    "message": _l("Message text"), "checklist": _l("Checklist"), "webhook_url": _l("Webhook URL"), "url": _l("URL"),
    "method": _l("HTTP method"), "payload": _l("Payload"), "headers": _l("Headers"), "process": _l("Approval process"),
    "assignee": _l("Assignee"), "due_hours": _l("Due in hours"), "due_workdays": _l("Due in workdays"),
    "stage": _l("Stage"), "from": _l("From stage"), "level": _l("Warning level"), "decision": _l("Decision"),
    "cron": _l("Cron schedule"), "every_hours": _l("Every N hours"), "kind": _l("Kind"), "user": _l("User name"),
    "role": _l("Role"), "team": _l("Team"), "pool": _l("Pool"), "route": _l("Routing table"),
    "strategy": _l("Strategy"), "nodes": _l("Stage nodes"), "initial": _l("Initial stage"),
    "order": _l("Order"), "requires": _l("Required fields and files"), "requires_when": _l("Entry condition (requires_when)"),
    "allowed_next": _l("Allowed next stages"), "auto_advance_when": _l("Auto-advance when"),
    "auto_advance_to": _l("Auto-advance to"), "sla": _l("SLA"), "hours": _l("Hours"), "workdays": _l("Workdays"),
    "basis": _l("Measured from"), "levels": _l("Warning levels"), "name": _l("Name"), "at": _l("At fraction of the SLA"),
    "escalate": _l("Escalation actions"), "guidance": _l("Guidance text"), "probability": _l("Probability (%)"),
    "outcome": _l("Outcome"), "color": _l("Colour"), "on": _l("Run on"), "entries": _l("Entries"),
    "assign_to": _l("Assign to"), "fallback": _l("Fallback"), "record_decisions": _l("Record each decision"),
    "pools": _l("Pools"), "routes": _l("Routing tables"), "entry_when": _l("Entry condition"), "steps": _l("Steps"),
    "approver": _l("Approver"), "timeout_hours": _l("Timeout (hours)"), "timeout_workdays": _l("Timeout (workdays)"),
    "on_timeout": _l("On timeout"), "forward_to": _l("Forward to"), "on_approve": _l("On approval"),
    "on_reject": _l("On rejection"), "allow_batch": _l("Allow batch decisions"),
    "reason_required": _l("Reason required"), "lock_record": _l("Lock the record while pending"),
    "parts": _l("Score parts"), "rules": _l("Scoring rules"), "part": _l("Part"), "points": _l("Points"),
    "bands": _l("Bands"), "min": _l("Minimum"), "max": _l("Maximum"), "schedule": _l("Recompute schedule"),
    "top": _l("Top list"), "limit": _l("Limit"), "match": _l("Match on"), "normalize": _l("Normalize as"),
    "action": _l("Action"), "fields": _l("Fields"), "help": _l("Help text"), "required": _l("Required"),
    "hidden": _l("Hidden"), "default": _l("Default"), "channel": _l("Channel"), "utm": _l("UTM parameters"),
    "required_by_channel": _l("Required fields per channel"), "validations": _l("Validations"),
    "error_when": _l("Error when"), "thank_you": _l("Thank-you text"), "redirect_url": _l("Redirect URL"),
    "rate_limit": _l("Rate limit"), "per_minute": _l("Per minute"), "per_hour": _l("Per hour"),
    "per_day": _l("Per day"), "plural_label": _l("Plural label"),
    # reports
    "filter": _l("Filter (which records count)"), "stages": _l("Stages"), "date_field": _l("Date field"),
    "highlight_overdue": _l("Highlight overdue records"), "measure": _l("Measure"), "measures": _l("Measures"),
    "function": _l("Function"), "rows": _l("Rows (field)"), "columns": _l("Columns (field)"),
    "show_conversion": _l("Show conversion"), "flag_largest_drop": _l("Flag the largest drop"),
    "formula": _l("Formula (over the measures)"), "period": _l("Period"), "group_by": _l("Group by"),
    "flag_below_mean": _l("Flag groups below this share of the mean"), "thresholds": _l("Thresholds"),
    "below": _l("Below"), "above": _l("Above"), "diagnosis": _l("Diagnosis"),
    # teams
    "parent": _l("Parent team"), "region": _l("Region"),
    # permissions
    "create": _l("Create"), "read": _l("Read"), "update": _l("Update"), "delete": _l("Delete"),
    "scope": _l("Records visible"), "scope_when": _l("Only records where (scope_when)"),
    # calendar
    "timezone": _l("Time zone"), "holidays": _l("Holidays (YYYY-MM-DD)"),
    "extra_workdays": _l("Extra workdays (YYYY-MM-DD)"), "work_hours": _l("Work hours"),
    "start": _l("Start (HH:MM)"), "end": _l("End (HH:MM)"),
    "official_cn_holidays": _l("Follow the official Chinese holiday calendar"),
}

VARIANTS = {
    # action types
    "set_field": _l("Set a field"), "assign": _l("Assign"), "create_record": _l("Create a record"),
    "update_related": _l("Update related records"), "notify": _l("Notify"), "webhook": _l("Call a webhook"),
    "start_approval": _l("Start an approval"), "add_task": _l("Add a task"),
    # trigger types
    "create": _l("Record created"), "update": _l("Record updated"), "field_changed": _l("Field changed"),
    "stage_entered": _l("Stage entered"), "stage_overdue": _l("Stage overdue"),
    "approval_decided": _l("Approval decided"), "schedule": _l("On a schedule"),
    # people
    "owner": _l("Record owner"), "owner_manager": _l("Owner's manager"), "owner_director": _l("Owner's director"),
    "user": _l("A user"), "role": _l("Everyone with a role"), "team": _l("A team"), "team_manager": _l("Team manager"),
    "field": _l("User in a field"), "pool": _l("Public pool"), "route": _l("Another routing table"),
    "manager_of_previous": _l("Manager of the previous approver"),
    # misc enums
    "before_save": _l("Before save (same transaction)"), "after_save": _l("After save (asynchronous)"),
    "in_app": _l("In-app"), "email": _l("Email"), "sms": _l("SMS"),
    "round_robin": _l("Round robin"), "least_open": _l("Fewest open records"),
    "stage_entered_at": _l("Stage entry"), "last_activity": _l("Last activity"),
    "open": _l("Open (in progress)"), "won": _l("Won"), "lost": _l("Lost"), "approved": _l("Approved"), "rejected": _l("Rejected"),
    "forward": _l("Forward"), "approve": _l("Approve"), "reject": _l("Reject"), "remind": _l("Remind"),
    "block": _l("Block"), "warn": _l("Warn"), "merge": _l("Merge"), "exact": _l("Exact"), "text": _l("Text"),
    "phone": _l("Phone"), "company": _l("Company name"), "true": _l("Yes"), "false": _l("No"),
    "always": _l("Always"),
    # reports
    "funnel": _l("Funnel"), "stage_distribution": _l("Distribution by stage"), "matrix": _l("Matrix"),
    "metric": _l("Metric"), "count": _l("Count"), "sum": _l("Sum"), "avg": _l("Average"), "min": _l("Minimum"),
    "max": _l("Maximum"), "rate": _l("Rate (share where the filter holds)"), "day": _l("Day"), "week": _l("Week"),
    "month": _l("Month"), "quarter": _l("Quarter"), "year": _l("Year"),
    # field access
    "hidden": _l("Hidden"), "read": _l("Read only"), "edit": _l("Editable"),
}

# enum values whose label depends on the property (``team`` as a scope is not "a team" of people)
SCOPED_VARIANTS = {
    ("scope", "own"): _l("Own records"), ("scope", "team"): _l("Records of the team"),
    ("scope", "all"): _l("All records"),
}

WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday"))


def property_label(name: str) -> str:
    label = PROPERTIES.get(name)
    return str(label) if label is not None else name


def variant_label(value: str, prop: str = "") -> str:
    label = SCOPED_VARIANTS.get((prop, value)) or VARIANTS.get(value)
    return str(label) if label is not None else value


def weekday_options() -> list[tuple[str, str]]:
    """ISO weekdays (1 = Monday ... 7 = Sunday), as the business calendar numbers them."""
    return [(str(i), f"{label} ({i})") for i, label in enumerate(WEEKDAYS, start=1)]
