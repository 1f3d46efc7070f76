"""Generate the CAC example snapshots: `compliant.json`, `violations.json` and `since-2017.json`.

Run from anywhere: `python rulesets/cac/examples/generate.py [--check]`.

Why a script: the examples are a realistic platform (dozens of users, boards, groups,
comments on news and other pages, complaints, sanctions on every ladder), and the rule
tests patch `compliant.json`. Generating it from a fixed seed keeps it reproducible and
easy to extend: add the facts a new rule reads to `compliant()`, and one mutation that
breaks the rule to `BREAKS`. `--check` evaluates both files and fails unless the
compliant one is fully compliant and every data and attestation rule fires on the other.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = 20171001
AS_OF = date(2022, 11, 30)
UTC = UTC

Snapshot = dict[str, Any]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "晓东", "思远", "雨桐", "子轩", "欣怡", "浩然"]
HANDLES = ["山间清风", "数码老张", "吃货小分队", "旅行的猫", "夜读人", "跑步达人", "江南烟雨", "代码搬运工", "追光者", "星河入梦", "老街坊", "一叶知秋"]
COMMENT_TEXTS = ["说得有道理，支持！", "这个数据来源是哪里？", "期待后续报道。", "现场图片很震撼。", "希望有关部门重视。", "写得很清楚，学习了。", "不太认同这个观点。", "转给家人看看。", "哈哈哈哈太真实了", "这届网友太有才了"]


def ts(day: date, hour: int = 9, minute: int = 0, second: int = 0) -> str:
    """A UTC date-time string on `day`."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def shift(stamp: str, **delta: float) -> str:
    """`stamp` moved by a timedelta (hours=…, minutes=…, days=…)."""
    moved = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ") + timedelta(**delta)
    return moved.strftime("%Y-%m-%dT%H:%M:%SZ")


def compliant() -> Snapshot:
    """A platform that meets every rule on AS_OF: nothing violated, nothing undetermined."""
    rng = random.Random(SEED)
    d = AS_OF
    snap: Snapshot = {
        "as_of": d.isoformat(),
        "platform": {
            "name": "知言社区 (Zhiyan Community)",
            "operator": "北京知言网络科技有限公司",
            "services": ["forum", "comments", "live_comments", "news", "groups", "pushes", "trending_lists"],
            "launched_on": "2019-03-01",
            "licences": ["internet_news_information_service", "icp_commercial"],
            "metrics": {"daily_active_users": 58000, "daily_comments": 11500},
        },
        "policy": {
            "user_agreement": {"version": "2022.1", "clauses": ["prohibited_information", "closure_in_serious_cases", "board_manager_duties", "comment_rules", "group_rights_and_duties", "legal_notices", "civility"]},
            "content": {"removal_time": "PT1H", "regulator_report_time": "PT24H"},
            "complaints": {"handling_time": "P3D"},
            "security": {"incident_report_time": "PT72H"},
            "identity": {"manager_reverification_interval": "P12M"},
            "staffing": {"max_daily_users_per_reviewer": 10000, "max_daily_comments_per_reviewer": 3000, "max_active_groups_per_manager": 50, "min_reviewer_share": 0.2},
            "groups": {"max_members": 200, "max_created_per_account": 5, "max_joined_per_account": 50, "info_page_threshold": 8, "min_responsible_per_group": 2},
            "escalation": {
                "comment_measures": {"1": "notice", "2": "delete_information", "3": "restrict_functions", "4": "pause_updates", "5": "close_account"},
                "group_measures": {"1": "warning_and_rectification", "3": "suspend_posting", "5": "close_group"},
                "people_measures": {"1": "lower_credit_level", "3": "suspend_admin_powers", "5": "cancel_group_creation"},
                "board_manager_measures": {"1": "limit_powers", "2": "revoke_powers", "3": "block_or_close"},
                "listing": {"3": "watch_list", "5": "blacklist"},
            },
            "logs": {"retention": "P12M"},
            "accounts": {"dormancy_period": "P12M"},
            "review": {"violation_pool_update_interval": "P3M"},
            "pushes": {"max_per_account_per_day": 3},
            "minors": {"max_daily_minutes": 40},
        },
    }
    systems = [
        "content_review", "realtime_inspection", "emergency_response", "personal_information_protection",
        "complaint_channel", "data_collection_rules", "anti_spam", "inspection_support",
        "user_registration_management", "security_protection", "group_management_rules", "group_classification_filing",
        "group_admin_tools", "community_rules", "editor_in_chief", "manual_review", "content_quality_support",
        "algorithm_filing", "minors_protection_plan", "anti_addiction", "youth_mode", "staff_training_plan",
        "staff_credit_blacklist", "self_inspection", "leadership_responsibility_plan", "trending_list_rules",
    ]
    attestations = []
    for i, system in enumerate(systems, 1):
        entry: dict[str, Any] = {"id": f"att-{i:02d}", "system": system, "since": f"2021-{1 + i % 9:02d}-15", "evidence": f"合规档案 ZY-CMP-2021-{i:03d}", "review_due": f"2023-{1 + i % 6:02d}-28"}
        if system == "group_classification_filing":
            entry.update(filed_with="cac_provincial", filed_on="2021-03-02")
        attestations.append(entry)
    snap["attestations"] = attestations

    # -- people and accounts
    users, accounts = [], []
    for i in range(1, 43):
        uid = f"u{i:03d}"
        registered = date(2019, 3, 1) + timedelta(days=rng.randrange(0, 1100))
        minor = i in (7, 21, 35)
        birth = date(2008, 1 + i % 12, 1 + i % 27) if minor else date(1965 + rng.randrange(0, 38), 1 + i % 12, 1 + i % 27)
        verified = ts(registered, 8, rng.randrange(0, 59))
        users.append({"id": uid, "verified_at": verified, "method": rng.choice(["id_card", "mobile_number", "face_match"]), "birth_date": birth.isoformat()})
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) if i % 3 else rng.choice(HANDLES) + str(i)
        last_active = AS_OF - timedelta(days=rng.randrange(0, 60))
        level = 2 + rng.randrange(0, 4) if i not in (7, 21, 35) else 2
        features = ["post", "comment", "join_group", "private_message"]
        if level >= 2:
            features.append("live_comment")
        if level >= 3:
            features.append("create_group")
        account = {
            "id": f"a{i:03d}", "name": name, "user_id": uid, "verified_at": verified, "registered_at": verified,
            "status": "active", "kind": "personal", "grade": "ordinary",
            "credential_verified_at": None, "operator_matches_name": None,
            "profile_changed_at": verified, "profile_reviewed_at": shift(verified, hours=2),
            "last_active_at": ts(last_active, 20), "credit_level": level, "features": features,
            "agreement_version": "2022.1", "agreement_accepted_at": ts(date(2022, 1, 10) + timedelta(days=i)),
            "data_consent_at": shift(verified, minutes=5), "youth_mode": minor,
            "daily_limit_minutes": 40 if minor else None, "can_create_groups": level >= 3,
        }
        accounts.append(account)
    # two public (media) accounts run by organisations
    for i, (name, _operator) in enumerate([("新华视点", "新华通讯社"), ("科技日报", "科技日报社")], 1):
        uid = f"org{i}"
        users.append({"id": uid, "verified_at": ts(date(2019, 5, i), 10), "method": "business_licence", "birth_date": None})
        accounts.append({
            "id": f"pub{i}", "name": name, "user_id": uid, "verified_at": ts(date(2019, 5, i), 10), "registered_at": ts(date(2019, 5, i), 10),
            "status": "active", "kind": "public", "grade": "media", "credential_verified_at": ts(date(2019, 5, i), 15), "operator_matches_name": True,
            "profile_changed_at": ts(date(2019, 5, i), 10), "profile_reviewed_at": ts(date(2019, 5, i), 12), "last_active_at": ts(AS_OF - timedelta(days=1), 9),
            "credit_level": 5, "features": ["post", "comment", "upload_video", "livestream"], "agreement_version": "2022.1",
            "agreement_accepted_at": ts(date(2022, 1, 3)), "data_consent_at": ts(date(2019, 5, i), 10, 5), "youth_mode": False,
            "daily_limit_minutes": None, "can_create_groups": False,
        })
    # the platform's own official account
    users.append({"id": "org0", "verified_at": ts(date(2019, 3, 1), 8), "method": "business_licence", "birth_date": None})
    accounts.append({
        "id": "official", "name": "知言社区官方", "user_id": "org0", "verified_at": ts(date(2019, 3, 1), 8), "registered_at": ts(date(2019, 3, 1), 8),
        "status": "active", "kind": "public", "platform_operated": True, "grade": "commercial", "credential_verified_at": ts(date(2019, 3, 1), 9), "operator_matches_name": True,
        "profile_changed_at": ts(date(2019, 3, 1), 8), "profile_reviewed_at": ts(date(2019, 3, 1), 9), "last_active_at": ts(AS_OF - timedelta(days=2), 9),
        "credit_level": 5, "features": ["post", "comment"], "agreement_version": "2022.1", "agreement_accepted_at": ts(date(2022, 1, 1)),
        "data_consent_at": ts(date(2019, 3, 1), 8, 5), "youth_mode": False, "daily_limit_minutes": None, "can_create_groups": False,
    })
    # a dormant account, properly flagged; and an old account from before 2017-10-01
    accounts[39].update(status="dormant", last_active_at=ts(date(2020, 6, 1)))
    accounts[40].update(registered_at=ts(date(2016, 4, 2)), verified_at=ts(date(2017, 11, 20)))
    # u042 was blacklisted after a serious comment case: its account is closed, no group functions
    accounts[41].update(status="closed", can_create_groups=False, features=["post"], credit_level=0)
    snap["users"], snap["accounts"] = users, accounts
    snap["credit_scopes"] = [
        {"id": "post", "min_credit_level": 0}, {"id": "comment", "min_credit_level": 1}, {"id": "live_comment", "min_credit_level": 2},
        {"id": "create_group", "min_credit_level": 3}, {"id": "join_group", "min_credit_level": 1}, {"id": "upload_video", "min_credit_level": 2},
        {"id": "livestream", "min_credit_level": 4}, {"id": "private_message", "min_credit_level": 1},
    ]

    # -- staff: 6 content reviewers (58,000 DAU at 10,000 each), 4 comment reviewers, 2 group managers
    roles = [["content_reviewer"]] * 6 + [["comment_reviewer"]] * 4 + [["group_manager"]] * 2 + [["news_editor", "editor"]] * 2 + [["engineer"]] * 2 + [["legal"]]
    snap["staff"] = [
        {"id": f"s{i:02d}", "name": rng.choice(SURNAMES) + rng.choice(GIVEN), "roles": r, "status": "active", "hired_on": f"2020-{1 + i % 12:02d}-01",
         "training_record": f"培训档案-{2020 + i % 3}-{i:02d}", "news_credential": f"记者证 B{110000 + i}" if "news_editor" in r else None}
        for i, r in enumerate(roles, 1)
    ] + [{"id": "s99", "name": "周离", "roles": ["operations"], "status": "left", "hired_on": "2019-05-01", "training_record": None, "news_credential": None}]

    # -- forum boards and their managers
    boards = [("b1", "时政讨论", "理性讨论时事新闻"), ("b2", "数码科技", "手机、电脑与新技术"), ("b3", "美食天地", "家常菜与探店分享"), ("b4", "旅行日记", "游记、攻略与摄影")]
    snap["boards"] = [
        {"id": bid, "name": name, "summary": summary, "founder_id": f"a{n * 3:03d}", "status": "active",
         "updated_at": ts(date(2022, n, 10)), "name_reviewed_at": ts(date(2022, n, 10), 11), "summary_reviewed_at": ts(date(2022, n, 10), 11)}
        for n, (bid, name, summary) in enumerate(boards, 1)
    ]
    managers = []
    for n, (bid, _, _) in enumerate(boards, 1):
        managers.append({"id": f"bm{n}f", "board_id": bid, "account_id": f"a{n * 3:03d}", "role": "founder", "powers": "full",
                         "identity_recorded_at": ts(date(2021, 1, n)), "last_reverified_at": ts(date(2022, 2 + n, 5))})
        managers.append({"id": f"bm{n}a", "board_id": bid, "account_id": f"a{n * 3 + 1:03d}", "role": "admin", "powers": "limited" if n == 2 else "full",
                         "identity_recorded_at": ts(date(2021, 2, n)), "last_reverified_at": ts(date(2022, 6, n))})
    snap["board_managers"] = managers

    # -- groups, tiers and memberships
    snap["group_tiers"] = [
        {"id": "small", "name": "小型群", "max_members": 20, "founder_min_credit": 3},
        {"id": "medium", "name": "中型群", "max_members": 100, "founder_min_credit": 4},
        {"id": "large", "name": "大型群", "max_members": 200, "founder_min_credit": 5},
    ]
    group_defs = [("g1", "北京跑友会", "interest", "small", 6), ("g2", "家长交流群", "education", "small", 9), ("g3", "数码发烧友", "interest", "medium", 14),
                  ("g4", "同城美食探店", "interest", "small", 5), ("g5", "读书会", "education", "small", 7), ("g6", "新闻早知道", "news", "medium", 12),
                  ("g7", "摄影爱好者", "interest", "small", 4), ("g8", "旧群(已关闭)", "other", "small", 3)]
    founders = [a for a in accounts if a["credit_level"] >= 4 and a["status"] == "active" and a["kind"] == "personal"]
    groups, memberships = [], []
    member_pool = [a for a in accounts if a["status"] == "active" and a["kind"] == "personal"]
    for n, (gid, name, category, tier, size) in enumerate(group_defs):
        founder = founders[n % len(founders)]
        if tier == "medium":
            founder = next(a for a in founders if a["credit_level"] >= 4 and a["id"] != groups[-1]["creator_id"] if groups)
        created = max(datetime.strptime(founder["verified_at"], "%Y-%m-%dT%H:%M:%SZ").date() + timedelta(days=30), date(2021, 1, 1)) + timedelta(days=n * 11)
        group = {"id": gid, "display_id": f"{880100 + n * 7}", "name": name, "creator_id": founder["id"], "created_at": ts(created, 12),
                 "status": "closed" if gid == "g8" else "active", "category": category, "tier": tier, "founder_credit_at_creation": founder["credit_level"], "info_page": None}
        if size >= 8:
            group["info_page"] = {"name": name, "member_count_shown": True, "category": {"interest": "兴趣", "education": "教育", "news": "资讯"}[category]}
        groups.append(group)
        others = [a for a in member_pool if a["id"] != founder["id"]]
        rng.shuffle(others)
        chosen = [(founder, "founder")] + [(others[0], "admin")] + [(a, "member") for a in others[1 : size - 1]]
        for k, (acct, role) in enumerate(chosen):
            joined = max(created, datetime.strptime(acct["verified_at"], "%Y-%m-%dT%H:%M:%SZ").date() + timedelta(days=1))
            memberships.append({"id": f"m-{gid}-{k:02d}", "group_id": gid, "account_id": acct["id"], "role": role, "role_label": role,
                                "joined_at": ts(joined, 13, k), "status": "left" if gid == "g8" else "active"})
    snap["groups"], snap["memberships"] = groups, memberships

    # -- pages, content
    snap["pages"] = [
        {"id": "p-news-1", "title": "新闻：城市地铁新线开通", "live_comments": False},
        {"id": "p-news-2", "title": "新闻：秋季粮食丰收", "live_comments": False},
        {"id": "p-video-1", "title": "视频：长城秋色航拍", "live_comments": True},
        {"id": "p-live-1", "title": "直播回放：科技发布会", "live_comments": True},
        {"id": "p-forum", "title": "论坛首页", "live_comments": False},
    ]
    content: list[dict[str, Any]] = []
    news_sources = [("人民网", "http://www.people.com.cn/n1/2022/1101/c1001.html"), ("新华网", "http://www.news.cn/2022-11/05/c_1129100.htm")]
    for n, (page, title) in enumerate([("p-news-1", "城市地铁新线今日开通运营"), ("p-news-2", "秋季粮食丰收 产量再创新高")]):
        source, url = news_sources[n]
        content.append({"id": f"news-{n + 1}", "kind": "news", "author_id": f"pub{n + 1}", "board_id": None, "group_id": None, "page_id": page,
                        "title": title, "published_at": ts(date(2022, 11, 1 + n * 4), 7), "prohibited": False, "discovered_at": None, "removed_at": None,
                        "source": {"name": source, "licensed": True, "url": url, "title_unaltered": True}})
    content.append({"id": "video-1", "kind": "video", "author_id": "pub2", "board_id": None, "group_id": None, "page_id": "p-video-1", "title": "长城秋色航拍",
                    "published_at": ts(date(2022, 10, 20), 10), "prohibited": False, "discovered_at": None, "removed_at": None, "source": None})
    content.append({"id": "video-2", "kind": "video", "author_id": "pub1", "board_id": None, "group_id": None, "page_id": "p-live-1", "title": "科技发布会回放",
                    "published_at": ts(date(2022, 11, 12), 14), "prohibited": False, "discovered_at": None, "removed_at": None, "source": None})
    posters = [a for a in accounts if a["status"] == "active" and a["kind"] == "personal"]
    post_titles = ["地铁新线体验分享", "新手机续航测试", "周末红烧肉做法", "川西自驾七日游", "如何看待这条新闻", "旧电脑升级固态硬盘", "家乡的糖油粑粑", "云南雨季出行提醒", "求推荐降噪耳机", "秋天的银杏大道"]
    for n in range(20):
        author = posters[(n * 5) % len(posters)]
        published = max(date(2022, 6, 1) + timedelta(days=n * 7), datetime.strptime(author["verified_at"], "%Y-%m-%dT%H:%M:%SZ").date() + timedelta(days=1))
        content.append({"id": f"post-{n + 1:02d}", "kind": "post", "author_id": author["id"], "board_id": f"b{1 + n % 4}", "group_id": None, "page_id": "p-forum",
                        "title": post_titles[n % len(post_titles)] + ("" if n < 10 else "（续）"), "published_at": ts(published, 19, n), "prohibited": False,
                        "discovered_at": None, "removed_at": None, "source": None})
    content.append({"id": "post-official", "kind": "post", "author_id": "official", "board_id": "b1", "group_id": None, "page_id": "p-forum",
                    "title": "社区公约更新公告", "published_at": ts(date(2022, 1, 5), 10), "prohibited": False, "discovered_at": None, "removed_at": None, "source": None})
    # two prohibited forum posts: stopped within the hour, recorded, reported within a day
    for n, (pid, found) in enumerate([("post-05", ts(date(2022, 7, 3), 21, 10)), ("post-12", ts(date(2022, 8, 22), 20, 0))]):
        post = next(c for c in content if c["id"] == pid)
        post.update(prohibited=True, discovered_at=found, removed_at=shift(found, minutes=25 + n * 10))
    for n in range(12):
        membership = memberships[(n * 5) % len(memberships)]
        author = next(a for a in accounts if a["id"] == membership["account_id"])
        content.append({"id": f"gmsg-{n + 1:02d}", "kind": "group_message", "author_id": author["id"], "board_id": None, "group_id": membership["group_id"], "page_id": None,
                        "title": "群消息", "published_at": shift(membership["joined_at"], days=2 + n), "prohibited": False, "discovered_at": None, "removed_at": None, "source": None})
    # paid placement is honest when marked: one sponsored forum post, shown as advertising
    for c in content:
        c.update(sponsored=c["id"] == "post-20", labelled_as_ad=c["id"] == "post-20")
    snap["content"] = content

    # -- comments on news (reviewed first), on videos (live stream) and on forum posts
    comments = []
    commenters = [a for a in accounts if a["status"] == "active" and a["kind"] == "personal"]
    targets = ["news-1", "news-2", "video-1", "video-2", "post-01", "post-03", "post-08"]
    for n in range(60):
        acct = commenters[(n * 7) % len(commenters)]
        target = targets[n % len(targets)]
        base = next(c for c in content if c["id"] == target)["published_at"]
        posted = shift(base, hours=1 + n)
        kind = "live" if target.startswith("video") else "reply"
        comment = {"id": f"cm-{n + 1:03d}", "account_id": acct["id"], "content_id": target, "kind": kind, "text": COMMENT_TEXTS[n % len(COMMENT_TEXTS)],
                   "posted_at": posted, "reviewed_at": None, "published_at": posted, "origin": "user", "arranged_by_platform": False,
                   "prohibited": False, "discovered_at": None, "removed_at": None}
        if target.startswith("news"):
            comment.update(reviewed_at=shift(posted, minutes=3), published_at=shift(posted, minutes=4))
        comments.append(comment)
    comments[17].update(prohibited=True, discovered_at=shift(comments[17]["published_at"], hours=2), removed_at=shift(comments[17]["published_at"], hours=2, minutes=30), text="（已删除：谣言）")
    comments[44].update(prohibited=True, discovered_at=shift(comments[44]["published_at"], hours=1), removed_at=shift(comments[44]["published_at"], hours=1, minutes=5), text="（已删除：诈骗广告）")
    comments[51].update(origin="automated", removed_at=shift(comments[51]["published_at"], minutes=20), text="加微信领红包！！！")
    snap["comments"] = comments

    # -- complaints: handled within three days, complainants told; one still open, within its deadline
    complaints = []
    for n in range(12):
        service = ["forum", "comments", "groups", "other"][n % 4]
        received = ts(date(2022, 9, 1) + timedelta(days=n * 6), 10 + n % 8)
        handled = shift(received, hours=20 + n * 4)
        complaints.append({"id": f"cp-{n + 1:02d}", "service": service, "received_at": received, "handled_at": handled,
                           "outcome": ["upheld", "rejected", "referred"][n % 3], "feedback_at": shift(handled, hours=1)})
    complaints.append({"id": "cp-13", "service": "comments", "received_at": ts(AS_OF - timedelta(days=1), 16), "handled_at": None, "outcome": None, "feedback_at": None})
    snap["complaints"] = complaints

    # -- cases and sanctions on every ladder, escalating as the published rule says
    cases, comment_s, group_s, people_s, board_s = [], [], [], [], []

    def case(cid: str, service: str, violation: str, prior: int, when: str, serious: bool = False, **who: Any) -> None:
        cases.append({"id": cid, "service": service, "account_id": who.get("account_id"), "board_id": who.get("board_id"), "group_id": who.get("group_id"),
                      "user_id": who.get("user_id"), "violation_type": violation, "serious": serious, "prior_violations": prior, "decided_at": when})

    steps = ["notice", "delete_information", "restrict_functions"]
    for prior in range(3):  # a020 escalates through three steps
        when = ts(date(2022, 5 + prior * 2, 8), 11)
        case(f"case-c{prior + 1}", "comments", "rumour", prior, when, account_id="a020", user_id="u020")
        comment_s.append({"id": f"cs-{prior + 1}", "case_id": f"case-c{prior + 1}", "account_id": "a020", "violation_type": "rumour", "prior_violations": prior, "measure": steps[prior], "applied_at": shift(when, hours=1)})
    case("case-c4", "comments", "rumour", 0, ts(date(2022, 9, 14), 9), account_id="a026", user_id="u026")
    comment_s.append({"id": "cs-4", "case_id": "case-c4", "account_id": "a026", "violation_type": "rumour", "prior_violations": 0, "measure": "notice", "applied_at": ts(date(2022, 9, 14), 10)})
    case("case-c5", "comments", "fraud", 1, ts(date(2022, 10, 2), 9), account_id="a031", user_id="u031")
    comment_s.append({"id": "cs-5", "case_id": "case-c5", "account_id": "a031", "violation_type": "fraud", "prior_violations": 1, "measure": "delete_information", "applied_at": ts(date(2022, 10, 2), 9, 30)})
    case("case-c6", "comments", "fraud", 1, ts(date(2021, 12, 6), 9), serious=True, account_id="a042", user_id="u042")
    comment_s.append({"id": "cs-6", "case_id": "case-c6", "account_id": "a042", "violation_type": "fraud", "prior_violations": 1, "measure": "close_account", "applied_at": ts(date(2021, 12, 6), 10)})
    # groups: g3 warned twice then suspended at its third violation (rule: 3 → suspend_posting)
    for prior, measure in [(0, "warning_and_rectification"), (1, "warning_and_rectification"), (2, "suspend_posting")]:
        when = ts(date(2022, 3 + prior * 3, 2), 15)
        case(f"case-g{prior + 1}", "groups", "spam", prior, when, group_id="g6")
        group_s.append({"id": f"gs-{prior + 1}", "case_id": f"case-g{prior + 1}", "group_id": "g6", "violation_type": "spam", "prior_violations": prior, "measure": measure, "applied_at": shift(when, hours=2)})
    groups[5]["status"] = "posting_suspended"
    case("case-g4", "groups", "pornography", 0, ts(date(2022, 2, 11), 8), serious=True, group_id="g8")
    group_s.append({"id": "gs-4", "case_id": "case-g4", "group_id": "g8", "violation_type": "pornography", "prior_violations": 0, "measure": "close_group", "applied_at": ts(date(2022, 2, 11), 9)})
    for n, (acct, prior, measure) in enumerate([("a009", 0, "lower_credit_level"), ("a012", 0, "lower_credit_level"), ("a015", 2, "suspend_admin_powers")], 1):
        when = ts(date(2022, 4 + n, 18), 10)
        case(f"case-p{n}", "groups", "illegal_trade", prior, when, account_id=acct, user_id="u" + acct[1:])
        people_s.append({"id": f"ps-{n}", "case_id": f"case-p{n}", "account_id": acct, "violation_type": "illegal_trade", "prior_violations": prior, "measure": measure, "applied_at": shift(when, hours=3)})
    case("case-f1", "forum", "hate_speech", 0, ts(date(2022, 6, 9), 14), account_id="a007", board_id="b2", user_id="u007")
    board_s.append({"id": "bs-1", "case_id": "case-f1", "account_id": "a007", "board_id": "b2", "violation_type": "hate_speech", "prior_violations": 0, "measure": "limit_powers", "applied_at": ts(date(2022, 6, 9), 16)})
    case("case-f2", "forum", "fraud", 0, ts(date(2022, 8, 30), 14), serious=True, account_id="a042", user_id="u042")
    snap["cases"], snap["comment_sanctions"], snap["group_sanctions"], snap["people_sanctions"], snap["board_manager_sanctions"] = cases, comment_s, group_s, people_s, board_s
    # a015's third violation puts it on the watch list; u020's too; u042 and g8 are blacklisted
    snap["list_entries"] = [
        {"id": "le-1", "list": "blacklist", "service": "comments", "user_id": "u042", "account_id": "a042", "group_id": None, "case_id": "case-c6", "listed_at": ts(date(2021, 12, 6), 11), "lifted_at": None},
        {"id": "le-2", "list": "blacklist", "service": "groups", "user_id": None, "account_id": None, "group_id": "g8", "case_id": "case-g4", "listed_at": ts(date(2022, 2, 11), 10), "lifted_at": None},
        {"id": "le-3", "list": "watch_list", "service": "groups", "user_id": "u015", "account_id": "a015", "group_id": None, "case_id": "case-p3", "listed_at": ts(date(2022, 7, 18), 14), "lifted_at": None},
        {"id": "le-4", "list": "watch_list", "service": "comments", "user_id": "u020", "account_id": "a020", "group_id": None, "case_id": "case-c3", "listed_at": ts(date(2022, 9, 8), 12), "lifted_at": None},
        {"id": "le-5", "list": "watch_list", "service": "groups", "user_id": None, "account_id": None, "group_id": "g6", "case_id": "case-g3", "listed_at": ts(date(2022, 9, 2), 18), "lifted_at": None},
    ]

    # -- records and reports to the regulator
    records, reports = [], []

    def record(kind: str, sid: str, action: str, at: str) -> None:
        records.append({"id": f"r-{len(records) + 1:03d}", "subject_type": kind, "subject_id": sid, "action": action, "at": at, "operator_id": "s01"})

    def report(kind: str, sid: str, at: str, regulator: str = "cac_provincial") -> None:
        reports.append({"id": f"rep-{len(reports) + 1:03d}", "subject_type": kind, "subject_id": sid, "regulator": regulator, "reported_at": at})

    for c in content:
        if c["prohibited"]:
            record("content", c["id"], "删除并停止传输", c["removed_at"])
            report("content", c["id"], shift(c["discovered_at"], hours=6))
    for c in comments:
        if c["prohibited"]:
            record("comment", c["id"], "删除评论", c["removed_at"])
            report("comment", c["id"], shift(c["discovered_at"], hours=20))
    for s in comment_s:
        record("comment_sanction", s["id"], s["measure"], s["applied_at"])
    for s in group_s:
        record("group_sanction", s["id"], s["measure"], s["applied_at"])
        report("group_sanction", s["id"], shift(s["applied_at"], days=1))
    for s in people_s:
        record("people_sanction", s["id"], s["measure"], s["applied_at"])
        report("people_sanction", s["id"], shift(s["applied_at"], days=1))
    for s in board_s:
        record("board_manager_sanction", s["id"], s["measure"], s["applied_at"])
    for e in snap["list_entries"]:
        record("list_entry", e["id"], "列入" + ("黑名单" if e["list"] == "blacklist" else "重点关注名单"), e["listed_at"])
        if e["service"] == "groups":
            report("list_entry", e["id"], shift(e["listed_at"], days=2))

    snap["interventions"] = [
        {"id": "iv-1", "service": "news", "action": "pin", "target_id": "news-1", "at": ts(date(2022, 11, 1), 8), "operator_id": "s13", "reason": "重大民生新闻置顶", "benefit_received": False, "motive": "public_interest", "major": False},
        {"id": "iv-2", "service": "forum", "action": "delete", "target_id": "post-05", "at": ts(date(2022, 7, 3), 21, 35), "operator_id": "s02", "reason": "违法信息", "benefit_received": False, "motive": "unlawful_content", "major": False},
        {"id": "iv-3", "service": "comments", "action": "demote", "target_id": "cm-052", "at": ts(date(2022, 10, 25), 9), "operator_id": "s07", "reason": "疑似机器刷评", "benefit_received": False, "motive": "rule_violation", "major": False},
        {"id": "iv-4", "service": "recommendation", "action": "recommend", "target_id": "news-2", "at": ts(date(2022, 11, 5), 9), "operator_id": "s14", "reason": "重大主题宣传", "benefit_received": False, "motive": "public_interest", "major": True},
    ]
    for iv in snap["interventions"]:
        record("intervention", iv["id"], iv["action"], iv["at"])
    report("intervention", "iv-4", ts(date(2022, 11, 5), 15), "cac_national")
    snap["security_incidents"] = [
        {"id": "si-1", "kind": "vulnerability", "service": "comments", "discovered_at": ts(date(2022, 8, 2), 3), "remedied_at": ts(date(2022, 8, 2), 18)},
        {"id": "si-2", "kind": "spam_attack", "service": "platform", "discovered_at": ts(date(2022, 10, 12), 22), "remedied_at": ts(date(2022, 10, 13), 4)},
    ]
    report("security_incident", "si-1", ts(date(2022, 8, 3), 10))
    report("security_incident", "si-2", ts(date(2022, 10, 14), 9))
    snap["records"], snap["regulator_reports"] = records, reports

    snap["data_disclosures"] = [
        {"id": "dd-1", "category": "identity", "at": ts(date(2022, 4, 7), 10), "recipient": "市公安局网安支队", "lawful_basis": "regulator_request", "sold": False},
        {"id": "dd-2", "category": "contact", "at": ts(date(2022, 9, 19), 15), "recipient": "区人民法院", "lawful_basis": "court_order", "sold": False},
    ]
    snap["products"] = [
        {"id": "pr-1", "name": "新闻评论区", "kind": "comment_function", "news_related": True, "media_attributes": True, "launched_on": "2019-06-01", "assessment_passed_on": "2019-05-20", "assessed_by": "cac_provincial"},
        {"id": "pr-2", "name": "弹幕", "kind": "live_comments", "news_related": False, "media_attributes": True, "launched_on": "2020-09-01", "assessment_passed_on": "2020-08-15", "assessed_by": "cac_provincial"},
        {"id": "pr-3", "name": "热点推荐", "kind": "recommendation", "news_related": True, "media_attributes": True, "launched_on": "2021-11-01", "assessment_passed_on": "2021-10-28", "assessed_by": "cac_national"},
        {"id": "pr-4", "name": "群投票", "kind": "other", "news_related": False, "media_attributes": False, "launched_on": "2022-03-01", "assessment_passed_on": None, "assessed_by": None},
        {"id": "pr-5", "name": "新闻直播间(开发中)", "kind": "livestream", "news_related": True, "media_attributes": True, "launched_on": None, "assessment_passed_on": None, "assessed_by": None},
    ]
    pushes = []
    for n in range(30):
        acct = accounts[n % 20]
        day = AS_OF - timedelta(days=1 + n % 4)
        pushes.append({"id": f"push-{n + 1:02d}", "account_id": acct["id"], "day": day.isoformat(), "sent_at": ts(day, 1 + n % 12), "title": ["早间新闻速递", "你关注的话题有更新", "今日热榜"][n % 3]})
    snap["pushes"] = pushes
    snap["logs"] = [{"id": f"log-{n:03d}", "at": ts(date(2021, 11, 15) + timedelta(days=n * 9), 0, 5), "source": ["web", "app", "im-gateway"][n % 3]} for n in range(42)]
    snap["violation_pool_updates"] = [{"id": "vp-1", "on": "2022-07-05", "samples_added": 120}, {"id": "vp-2", "on": "2022-10-10", "samples_added": 86}]
    snap["annual_reports"] = [{"id": "ar-2021", "year": 2021, "submitted_on": "2022-01-20", "office": "北京市互联网信息办公室"}]
    return snap


# ---------------------------------------------------------------- violations

def find(snap: Snapshot, collection: str, ident: str) -> dict[str, Any]:
    return next(x for x in snap[collection] if x["id"] == ident)


def attestation(snap: Snapshot, system: str) -> dict[str, Any]:
    return next(a for a in snap["attestations"] if a["system"] == system)


def add(snap: Snapshot, collection: str, **item: Any) -> None:
    snap[collection].append(item)


# Each break makes (at least) the named rules fire; together they touch every data and
# attestation rule. They are applied in order to one copy of the compliant platform.
BREAKS: list[tuple[str, Callable[[Snapshot], None]]] = [
    ("forum-policies-declared", lambda s: s["policy"]["identity"].pop("manager_reverification_interval")),
    ("comments-policies-declared", lambda s: s["policy"]["security"].pop("incident_report_time")),
    ("groups-policies-declared", lambda s: s["policy"]["escalation"].pop("people_measures")),
    ("platforms-policies-declared", lambda s: s["policy"]["accounts"].pop("dormancy_period")),
    ("forum-content-review-system comments-security-systems groups-management-systems", lambda s: attestation(s, "content_review").update(review_due="2022-11-29")),
    ("forum-realtime-inspection-system", lambda s: attestation(s, "realtime_inspection").update(since="2022-12-01")),
    ("forum-emergency-response-system", lambda s: attestation(s, "emergency_response").update(evidence="")),
    ("forum-personal-information-system comments-data-rules-published", lambda s: s["attestations"].remove(attestation(s, "personal_information_protection"))),
    ("forum-reviewer-staffing", lambda s: find(s, "staff", "s06").update(status="left")),
    ("forum-platform-own-posts-lawful", lambda s: find(s, "content", "post-official").update(prohibited=True, discovered_at="2022-01-05T10:20:00Z", removed_at="2022-01-05T10:30:00Z")),
    ("forum-agreement-clauses", lambda s: s["policy"]["user_agreement"]["clauses"].remove("board_manager_duties")),
    ("forum-agreement-accepted groups-agreement-accepted comments-agreement-accepted", lambda s: find(s, "accounts", "a005").update(agreement_version="2021.3")),
    ("forum-serious-case-closed", lambda s: add(s, "cases", id="case-f3", service="forum", account_id="a011", board_id=None, group_id=None, user_id="u011", violation_type="violence", serious=True, prior_violations=0, decided_at="2022-11-02T10:00:00Z")),
    ("board-manager-measure-step", lambda s: add(s, "board_manager_sanctions", id="bs-2", case_id="case-f1", account_id="a004", board_id="b1", violation_type="hate_speech", prior_violations=1, measure="limit_powers", applied_at="2022-10-01T10:00:00Z")),
    ("board-manager-equal-treatment", lambda s: add(s, "board_manager_sanctions", id="bs-3", case_id="case-f1", account_id="a010", board_id="b4", violation_type="hate_speech", prior_violations=0, measure="revoke_powers", applied_at="2022-10-02T10:00:00Z")),
    ("board-manager-measure-recorded", lambda s: s["records"].remove(next(r for r in s["records"] if r["subject_type"] == "board_manager_sanction"))),
    ("forum-prohibited-stopped forum-prohibited-reported", lambda s: find(s, "content", "post-18").update(prohibited=True, discovered_at="2022-10-09T12:00:00Z", removed_at="2022-10-09T13:00:01Z")),
    ("forum-prohibited-recorded", lambda s: s["records"].remove(next(r for r in s["records"] if r["subject_type"] == "content"))),
    ("account-verified-at-registration forum-account-verified-at-registration", lambda s: find(s, "accounts", "a030").update(verified_at=None, user_id=None)),
    ("forum-publisher-verified", lambda s: find(s, "accounts", "a001").update(verified_at="2022-12-31T00:00:00Z")),
    ("board-manager-reverified", lambda s: find(s, "board_managers", "bm3a").update(last_reverified_at="2021-11-29T10:00:00Z")),
    ("board-registration-reviewed", lambda s: find(s, "boards", "b3").update(updated_at="2022-11-20T10:00:00Z", name="美食天地（广告合作）")),
    ("identity-data-protected personal-data-protected", lambda s: add(s, "data_disclosures", id="dd-3", category="identity", at="2022-10-30T10:00:00Z", recipient="某营销公司", lawful_basis="none", sold=True)),
    ("forum-no-paid-intervention no-paid-intervention", lambda s: add(s, "interventions", id="iv-5", service="forum", action="delete", target_id="post-09", at="2022-11-11T11:00:00Z", operator_id="s03", reason="商家要求删帖", benefit_received=True, motive="commercial_interest", major=False) or s["records"].append({"id": "r-iv5", "subject_type": "intervention", "subject_id": "iv-5", "action": "delete", "at": "2022-11-11T11:00:00Z", "operator_id": "s03"})),
    ("complaint-channel forum-complaint-channel comments-complaint-channel groups-complaint-channel", lambda s: attestation(s, "complaint_channel").update(review_due="2022-06-30")),
    ("forum-complaints-handled complaint-feedback", lambda s: find(s, "complaints", "cp-01").update(handled_at="2022-09-04T10:00:01Z", feedback_at=None)),
    ("news-comment-product-assessed media-technology-assessed", lambda s: find(s, "products", "pr-1").update(assessment_passed_on="2019-06-02")),
    ("commenter-verified", lambda s: find(s, "accounts", "a008").update(verified_at="2022-12-30T00:00:00Z")),
    ("personal-data-consent", lambda s: find(s, "accounts", "a010").update(data_consent_at=None)),
    ("news-comments-pre-reviewed", lambda s: find(s, "comments", "cm-002").update(reviewed_at=None)),
    ("live-comments-with-static-content", lambda s: add(s, "pages", id="p-live-2", title="直播：深夜聊天室", live_comments=True)),
    ("comment-prohibited-stopped comment-prohibited-reported", lambda s: find(s, "comments", "cm-030").update(prohibited=True, discovered_at="2022-11-06T15:00:00Z", removed_at=None)),
    ("comments-anti-spam-system", lambda s: s["attestations"].remove(attestation(s, "anti_spam"))),
    ("comment-security-incident-handled", lambda s: find(s, "security_incidents", "si-1").update(remedied_at=None)),
    ("comment-reviewer-staffing", lambda s: s["platform"]["metrics"].update(daily_comments=13500)),
    ("forum-inspection-support comments-inspection-support groups-inspection-support", lambda s: attestation(s, "inspection_support").update(review_due="2022-11-01")),
    ("comments-no-paid-selection no-paid-intervention", lambda s: find(s, "interventions", "iv-3").update(benefit_received=True)),
    ("comments-agreement-clauses", lambda s: s["policy"]["user_agreement"]["clauses"].remove("civility")),
    ("groups-agreement-clauses", lambda s: s["policy"]["user_agreement"]["clauses"].remove("group_rights_and_duties")),
    ("forum-sponsored-posts-labelled", lambda s: find(s, "content", "post-20").update(labelled_as_ad=False)),
    ("group-roles-consistent", lambda s: find(s, "memberships", "m-g2-01").update(role="founder", role_label="founder")),
    ("group-roles-shown", lambda s: find(s, "memberships", "m-g3-05").update(role_label=None)),
    ("trending-list-rules", lambda s: s["attestations"].remove(attestation(s, "trending_list_rules"))),
    ("comments-no-astroturfing", lambda s: find(s, "comments", "cm-040").update(origin="hired_poster", arranged_by_platform=True)),
    ("comment-measure-step", lambda s: find(s, "comment_sanctions", "cs-5").update(measure="notice")),
    ("comment-measure-equal-treatment", lambda s: add(s, "cases", id="case-c7", service="comments", account_id="a028", board_id=None, group_id=None, user_id="u028", violation_type="rumour", serious=False, prior_violations=0, decided_at="2022-11-03T09:00:00Z")
     or add(s, "comment_sanctions", id="cs-7", case_id="case-c7", account_id="a028", violation_type="rumour", prior_violations=0, measure="restrict_functions", applied_at="2022-11-03T10:00:00Z")
     or s["records"].append({"id": "r-cs7", "subject_type": "comment_sanction", "subject_id": "cs-7", "action": "restrict_functions", "at": "2022-11-03T10:00:00Z", "operator_id": "s08"})),
    ("comment-measure-recorded comments-measure-recorded", lambda s: s["records"].remove(next(r for r in s["records"] if r["subject_id"] == "cs-4"))),
    ("comment-prohibited-recorded", lambda s: s["records"].remove(next(r for r in s["records"] if r["subject_type"] == "comment"))),
    ("credit-level-assigned comments-credit-level-assigned groups-credit-level-assigned", lambda s: find(s, "accounts", "a013").update(credit_level=None)),
    ("comments-features-within-credit-scope groups-features-within-credit-scope", lambda s: find(s, "accounts", "a014").update(credit_level=2, can_create_groups=False, features=["post", "comment", "livestream"])),
    ("comments-serious-listed", lambda s: s["list_entries"].remove(find(s, "list_entries", "le-4"))),
    ("blacklisted-no-service comments-blacklisted-no-service blacklisted-account-group-functions", lambda s: find(s, "accounts", "a042").update(status="active", can_create_groups=True)),
    ("blacklisted-no-new-account comments-blacklisted-no-new-account", lambda s: add(s, "accounts", **{**find(s, "accounts", "a042"), "id": "a042b", "name": "重新注册的小号", "registered_at": "2022-06-01T10:00:00Z", "verified_at": "2022-06-01T09:00:00Z", "status": "closed", "profile_changed_at": "2022-06-01T10:00:00Z"})),
    ("comments-complaints-handled", lambda s: find(s, "complaints", "cp-02").update(handled_at=None, outcome=None, feedback_at=None)),
    ("group-manager-staffing", lambda s: find(s, "staff", "s12").update(status="left") or s["policy"]["staffing"].update(max_active_groups_per_manager=5)),
    ("group-rules-published", lambda s: attestation(s, "group_management_rules").update(review_due="2022-10-31")),
    ("group-poster-verified", lambda s: find(s, "content", "gmsg-03").update(published_at="2018-01-01T00:00:00Z")),
    ("group-classified", lambda s: find(s, "groups", "g5").update(category=None)),
    ("group-classification-filed", lambda s: attestation(s, "group_classification_filing").update(filed_with=None, filed_on=None)),
    ("group-member-cap", lambda s: s["policy"]["groups"].update(max_members=13)),
    ("groups-created-cap", lambda s: s["policy"]["groups"].update(max_created_per_account=1)),
    ("groups-joined-cap", lambda s: s["policy"]["groups"].update(max_joined_per_account=4) or s["memberships"].extend({"id": f"m-extra-{n}", "group_id": g, "account_id": "a016", "role": "member", "joined_at": "2022-11-01T10:00:00Z", "status": "active"} for n, g in enumerate(["g1", "g4", "g7"]))),
    ("group-number-unique", lambda s: find(s, "groups", "g7").update(display_id=find(s, "groups", "g1")["display_id"])),
    ("group-info-page", lambda s: find(s, "groups", "g2").update(info_page={"name": "家长交流群", "member_count_shown": False, "category": "教育"})),
    ("group-founder-qualified", lambda s: find(s, "groups", "g3").update(founder_credit_at_creation=3)),
    ("group-member-verified-at-join", lambda s: find(s, "memberships", "m-g4-03").update(joined_at="2019-01-01T00:00:00Z")),
    ("group-admin-tools", lambda s: s["attestations"].remove(attestation(s, "group_admin_tools"))),
    ("group-measure-step", lambda s: find(s, "group_sanctions", "gs-3").update(measure="warning_and_rectification")),
    ("group-measure-equal-treatment", lambda s: add(s, "cases", id="case-g6", service="groups", account_id=None, board_id=None, group_id="g2", user_id=None, violation_type="spam", serious=False, prior_violations=0, decided_at="2022-11-08T09:00:00Z")
     or add(s, "group_sanctions", id="gs-5", case_id="case-g6", group_id="g2", violation_type="spam", prior_violations=0, measure="suspend_posting", applied_at="2022-11-08T10:00:00Z")
     or s["records"].append({"id": "r-gs5", "subject_type": "group_sanction", "subject_id": "gs-5", "action": "suspend_posting", "at": "2022-11-08T10:00:00Z", "operator_id": "s11"})
     or s["regulator_reports"].append({"id": "rep-gs5", "subject_type": "group_sanction", "subject_id": "gs-5", "regulator": "cac_provincial", "reported_at": "2022-11-09T10:00:00Z"})),
    ("group-measure-recorded groups-measure-recorded", lambda s: s["records"].remove(next(r for r in s["records"] if r["subject_id"] == "gs-1"))),
    ("group-measure-reported", lambda s: s["regulator_reports"].remove(next(r for r in s["regulator_reports"] if r["subject_id"] == "gs-2"))),
    ("people-measure-step people-measure-equal-treatment", lambda s: find(s, "people_sanctions", "ps-2").update(measure="suspend_admin_powers", prior_violations=2) or find(s, "people_sanctions", "ps-3").update(measure="lower_credit_level")),
    ("people-measure-recorded groups-people-measure-recorded", lambda s: s["records"].remove(next(r for r in s["records"] if r["subject_id"] == "ps-1"))),
    ("people-measure-reported", lambda s: s["regulator_reports"].remove(next(r for r in s["regulator_reports"] if r["subject_id"] == "ps-1"))),
    ("groups-serious-listed", lambda s: add(s, "cases", id="case-g5", service="groups", account_id=None, board_id=None, group_id="g7", user_id=None, violation_type="gambling", serious=True, prior_violations=0, decided_at="2022-11-20T10:00:00Z")),
    ("blacklisted-group-restricted", lambda s: find(s, "groups", "g8").update(status="active")),
    ("group-listing-recorded-reported", lambda s: add(s, "list_entries", id="le-6", list="blacklist", service="groups", user_id="u019", account_id="a019", group_id=None, case_id=None, listed_at="2022-11-25T10:00:00Z", lifted_at=None)),
    ("groups-complaints-handled", lambda s: find(s, "complaints", "cp-03").update(handled_at="2022-09-20T10:00:00Z")),
    ("log-retention-policy log-retention-kept", lambda s: s["policy"]["logs"].update(retention="P3M") or s.update(logs=s["logs"][25:])),
    ("community-rules-published", lambda s: attestation(s, "community_rules").update(since="2023-01-01")),
    ("account-profile-reviewed", lambda s: find(s, "accounts", "a017").update(profile_changed_at="2022-11-28T22:00:00Z", name="免费领取iPhone")),
    ("public-account-credentials", lambda s: find(s, "accounts", "pub2").update(operator_matches_name=False)),
    ("account-graded", lambda s: find(s, "accounts", "a018").update(grade=None)),
    ("dormant-accounts-cleared", lambda s: find(s, "accounts", "a040").update(status="active")),
    ("content-review-leadership", lambda s: s["attestations"].remove(attestation(s, "editor_in_chief"))),
    ("violation-pool-updated", lambda s: s["violation_pool_updates"].pop()),
    ("content-quality-support", lambda s: attestation(s, "content_quality_support").update(review_due="2022-01-31")),
    ("news-sources-licensed reprints-traceable", lambda s: find(s, "content", "news-2")["source"].update(licensed=False, title_unaltered=False, name="某自媒体号")),
    ("interventions-recorded", lambda s: find(s, "interventions", "iv-1").update(reason=None)),
    ("major-interventions-reported", lambda s: s["regulator_reports"].remove(next(r for r in s["regulator_reports"] if r["subject_id"] == "iv-4"))),
    ("algorithm-filed", lambda s: s["attestations"].remove(attestation(s, "algorithm_filing"))),
    ("push-frequency", lambda s: s["pushes"].extend({"id": f"push-x{n}", "account_id": "a003", "day": "2022-11-28", "sent_at": f"2022-11-28T1{n}:00:00Z", "title": "限时优惠"} for n in range(4))),
    ("group-responsible-people", lambda s: find(s, "memberships", "m-g1-01").update(role="member")),
    ("news-licence-held", lambda s: s["platform"]["licences"].remove("internet_news_information_service")),
    ("minors-protection-systems", lambda s: attestation(s, "anti_addiction").update(evidence="")),
    ("minor-youth-mode minor-time-limit", lambda s: find(s, "accounts", "a021").update(youth_mode=False, daily_limit_minutes=120)),
    ("reviewer-share", lambda s: s["staff"].extend({"id": f"s-ops{n}", "name": "运营" + str(n), "roles": ["operations"], "status": "active", "hired_on": "2022-03-01", "training_record": "培训档案-2022-ops", "news_credential": None} for n in range(40))),
    ("staff-training-records", lambda s: find(s, "staff", "s16").update(training_record=None)),
    ("news-staff-credentials", lambda s: find(s, "staff", "s13").update(news_credential=None)),
    ("staff-management-systems", lambda s: attestation(s, "staff_credit_blacklist").update(review_due="2022-11-15")),
    ("leadership-responsibility-plan", lambda s: s["attestations"].remove(attestation(s, "leadership_responsibility_plan"))),
    ("annual-report-submitted", lambda s: s["annual_reports"].clear()),
    ("self-inspection", lambda s: attestation(s, "self_inspection").update(since="2022-12-10")),
]


def violations() -> Snapshot:
    snap = copy.deepcopy(compliant())
    for _, brk in BREAKS:
        brk(snap)
    return snap


# The days on which what a CAC rule cites, or whether it applies, changes: each document's
# entry into force (its own last article), platforms-2021's date of issue, and the day
# before the revised comment provisions replaced comments-2017 (in force until 2022-12-14).
BOUNDARIES = ("2017-09-30", "2017-10-01", "2017-10-07", "2017-10-08", "2021-09-14", "2021-09-15", "2022-12-14", "2022-12-15")


def since_2017() -> Snapshot:
    """The compliant platform as if it had run since before the 2017 provisions: its
    systems declared, its first log kept and its 2020 report filed from the start, the
    last open complaint handled. Compliant on every day of `BOUNDARIES`, so the rule
    tests on both sides of each date (the end of each tests/*.test.yaml) show only what they break."""
    snap = compliant()
    snap["platform"]["launched_on"] = "2017-09-01"
    for declared in snap["attestations"]:
        declared["since"] = "2017-09-01"
        if "filed_on" in declared:
            declared["filed_on"] = "2017-09-01"
    snap["logs"].insert(0, {"id": "log-first", "at": "2017-09-01T00:05:00Z", "source": "web"})
    first = snap["annual_reports"][0]
    snap["annual_reports"].insert(0, {**first, "id": "ar-2020", "year": 2020, "submitted_on": "2021-01-20"})
    complaint = find(snap, "complaints", "cp-13")
    complaint.update(handled_at="2022-11-30T09:00:00Z", outcome="rejected", feedback_at="2022-11-30T10:00:00Z")
    return snap


def write(path: Path, snap: Snapshot) -> None:
    path.write_text(json.dumps(snap, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def check() -> int:
    """Evaluate both examples; report what is wrong with them."""
    import lawcode

    ruleset = lawcode.load_ruleset(HERE.parent)
    problems: list[str] = []
    for day in BOUNDARIES:
        early = ruleset.evaluate({**json.loads((HERE / "since-2017.json").read_text(encoding="utf-8")), "as_of": day})
        problems += [f"since-2017.json on {day}: {v.rule} {v.subject.id if v.subject else 'platform'}: {v.message}" for v in early.violations]
        problems += [f"since-2017.json on {day}: undetermined {u.rule}" for u in early.undetermined]
    good = ruleset.evaluate(HERE / "compliant.json")
    problems += [f"compliant.json: {v.rule} {v.subject.id if v.subject else 'platform'}: {v.message}" for v in good.violations]
    problems += [f"compliant.json: undetermined {u.rule} {u.subject.id if u.subject else 'platform'} {u.missing}" for u in good.undetermined]
    problems += [f"compliant.json: {n.rule} is not in force" for n in good.not_in_force]
    bad = ruleset.evaluate(HERE / "violations.json")
    fired = {v.rule for v in bad.violations}
    problems += [f"violations.json: rule {r.id} does not fire" for r in ruleset.rules if r.id not in fired]
    problems += [f"violations.json: undetermined {u.rule} {u.subject.id if u.subject else 'platform'} {u.missing}" for u in bad.undetermined]
    claimed = {rule for names, _ in BREAKS for rule in names.split()}
    problems += [f"BREAKS names {r}, which is not a rule" for r in sorted(claimed - {r.id for r in ruleset.rules})]
    for p in problems:
        print(p, file=sys.stderr)
    print(f"compliant.json: {len(good.violations)} violations, {len(good.undetermined)} undetermined; "
          f"violations.json: {len(bad.violations)} violations of {len(fired)}/{len(ruleset.rules)} rules, {len(bad.undetermined)} undetermined")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="also evaluate the written files and verify them")
    args = parser.parse_args()
    write(HERE / "compliant.json", compliant())
    write(HERE / "violations.json", violations())
    write(HERE / "since-2017.json", since_2017())
    return check() if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
