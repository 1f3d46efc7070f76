"""`lawcode coverage`: parts declared `partial`, and `see` citations that cover nothing.

A paragraph counts as checked only through the basis (`cites`) of some rule; one the
writer declared `partial "what is not checked"` shows as partial, with the text, and so
does the article holding it, in the text and the JSON output alike.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import lawcode
from helpers import DATA
from lawcode import cli
from lawcode.coverage import NOT_ENCODED, PARTIAL, compute

RULESET = DATA / "testing" / "ruleset"


def _ruleset(tmp_path: Path, documents: str, rules: str) -> Path:
    (tmp_path / "snapshot.schema.json").write_text((RULESET / "snapshot.schema.json").read_text())
    (tmp_path / "documents.law").write_text(documents)
    (tmp_path / "rules.law").write_text('import "documents.law"\n' + rules)
    return tmp_path


DOCUMENTS = """schema "snapshot.schema.json"

document groups-2017 {
  title    "Provisions on the Administration of Internet Group Information Services"
  issuer   "Cyberspace Administration of China"
  issued   2017-09-07
  in_force 2017-10-08
  source   "http://www.cac.gov.cn/2017-09/07/c_1121623889.htm"

  article 8 "Caps, numbers and vetting." {
    paragraph 1 "Caps on members per group."
    paragraph 3 "Vet founders; mark in-group roles."
      partial "the marking of in-group roles"
  }
  article 13 "Cooperation and log keeping." {
    paragraph 2 "Keep network logs for at least six months."
  }
}
"""

RULES = """
rule cap {
  cites groups-2017 art 8 para 1, groups-2017 art 8 para 3
  see   groups-2017 art 13 para 2
  on platform
  require true
}
"""


def test_a_partial_paragraph_and_its_article_show_as_partial(tmp_path: Path) -> None:
    (doc,) = compute(lawcode.load_ruleset(_ruleset(tmp_path, DOCUMENTS, RULES)))
    status = {u.label: u.status for u in doc.articles} | {u.label: u.status for u in doc.leaves()}
    assert status == {"art 8": PARTIAL, "art 8 para 1": "data", "art 8 para 3": PARTIAL, "art 13": NOT_ENCODED, "art 13 para 2": NOT_ENCODED}
    assert [u.label for u in doc.partial_units()] == ["art 8 para 3"]


def test_coverage_prints_what_is_not_checked(tmp_path: Path) -> None:
    path = _ruleset(tmp_path, DOCUMENTS, RULES)
    text = CliRunner().invoke(cli.cli, ["coverage", str(path)])
    assert text.exit_code == 1  # art 13 para 2 is only under `see`: not encoded
    assert "partial groups-2017 art 8 para 3: not checked: the marking of in-group roles" in " ".join(text.output.split())
    assert "NOT ENCODED groups-2017 art 13 para 2" in text.output
    data = json.loads(CliRunner().invoke(cli.cli, ["coverage", str(path), "--format", "json"]).output)
    (art8, art13) = data["documents"][0]["articles"]
    assert (art8["status"], art8["partial"], art8["checked_by"]) == (PARTIAL, None, ["data"])
    para3 = art8["parts"][1]
    assert (para3["label"], para3["status"], para3["partial"], para3["rules"]) == ("groups-2017 art 8 para 3", PARTIAL, "the marking of in-group roles", ["cap"])
    assert art13["status"] == NOT_ENCODED and art13["rules"] == []


def test_partial_on_a_part_no_rule_cites_is_still_not_encoded(tmp_path: Path) -> None:
    rules = RULES.replace("groups-2017 art 8 para 1, groups-2017 art 8 para 3", "groups-2017 art 8 para 1").replace("see   groups-2017 art 13 para 2", "")
    (doc,) = compute(lawcode.load_ruleset(_ruleset(tmp_path, DOCUMENTS, rules)))
    assert {u.label: u.status for u in doc.leaves()}["art 8 para 3"] == NOT_ENCODED
