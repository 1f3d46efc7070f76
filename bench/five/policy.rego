# The five rules of five.law, in Rego, for the OPA comparison. Same violations, by subject.
package bench

import rego.v1

steps := {"warning_and_rectification": 0, "suspend_posting": 1, "close_group": 2}

max_group_members := object.get(input.policy, "max_group_members", 500)

max_groups_founded := object.get(input.policy, "max_groups_founded", 10)

escalation := {to_number(k): steps[v] | some k, v in object.get(input.policy, "escalation", {"1": "warning_and_rectification", "3": "suspend_posting", "5": "close_group"})}

# as_of - 6 months; the benchmark's as_of is mid-month, where Go's AddDate and the
# end-of-month rule agree.
cutoff_ns := time.add_date(time.parse_ns("2006-01-02", input.as_of), 0, -6, 0)

oldest_log_ns := min({time.parse_rfc3339_ns(l.at) | some l in input.logs})

violations contains ["log-retention", "platform"] if {
	# the date of the oldest log must not be after the cutoff date
	[y, m, d] := time.date(oldest_log_ns)
	time.parse_ns("2006-1-2", sprintf("%d-%d-%d", [y, m, d])) > cutoff_ns
}

violations contains ["member-cap", g.id] if {
	some g in input.groups
	g.status == "active"
	g.member_count > max_group_members
}

# The form OPA's comprehension indexing recognises (the inner comprehension is indexed on
# `c`, built once), so grouping groups by founder stays linear.
founded := {c: n |
	some i
	c := input.groups[i].creator_id
	n := count([j | some j; input.groups[j].creator_id == c])
}

violations contains ["groups-founded", u.id] if {
	some u in input.users
	founded[u.id] > max_groups_founded
}

violations contains ["verified-before-posting", u.id] if {
	some u in input.users
	u.first_post_at != null
	not verified_before(u)
}

verified_before(u) if {
	u.verified_at != null
	time.parse_rfc3339_ns(u.verified_at) <= time.parse_rfc3339_ns(u.first_post_at)
}

violations contains ["sanction-step", s.id] if {
	some s in input.sanctions
	due := max({i | some t, i in escalation; t <= s.prior_violations + 1})
	steps[s.measure] < due
}
