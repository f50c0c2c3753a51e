"""How well the dispatch classifier suggests subject and lead unit (docs/hotline.md,
"Routing and the classifier"), against the plain keyword rules.

    .venv/bin/python bench/hotline/accuracy.py [--folds 5] [--seed 0] [--no-articles] [--no-loo]

Stratified k-fold cross-validation (by lead unit, fixed seed) over the demo district's 180
past appeals (src/yiwang/demo/data/hotline/appeals.yaml): each fold is predicted by a model
trained on the other folds, the subject tree (categories.yaml: names, keywords, default
units), the knowledge-base articles (knowledge.yaml) and the departments' names
(catalog/orgs.csv) — what `yiwang hotline train` uses from the database. No database is
needed: the classifier is pure.

Printed: top-1 and top-3 hit rates of subject and unit for the model and for the keyword
baseline (subject by the number of its keywords in the text, ties by how often it came in
the training folds; unit = the subject's default unit); the same for leave-one-out (each
appeal predicted by a model trained on the other 179); three top-1 ceilings of the k-fold
run; and the target, judged on the k-fold line (the protocol `yiwang hotline train`
reports)."""

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

import yaml  # noqa: E402

from yiwang.hotline import classifier  # noqa: E402

DATA = ROOT / "src" / "yiwang" / "demo" / "data" / "hotline"
ORGS = ROOT / "src" / "yiwang" / "demo" / "data" / "catalog" / "orgs.csv"
TARGET = {"unit_top1": 0.85, "unit_top3": 0.95}


def load(articles: bool = True):
    categories = yaml.safe_load((DATA / "categories.yaml").read_text(encoding="utf-8"))
    subjects = [
        classifier.KeywordSubject(
            code=child["code"],
            keywords=tuple(child.get("keywords") or ()),
            unit=child.get("org") or "",
            name=child["name"],
        )
        for parent in categories["subjects"]
        for child in parent.get("children") or ()
    ]
    appeals = yaml.safe_load((DATA / "appeals.yaml").read_text(encoding="utf-8"))
    samples = [
        classifier.Sample(
            text=a["text"],
            subject=a["subject"],
            unit=a["org"],
            area=a["area"] or "",
            type=a["type"],
        )
        for a in appeals
    ]
    extra = []
    if articles:
        default = {s.code: s.unit for s in subjects}
        for article in yaml.safe_load((DATA / "knowledge.yaml").read_text(encoding="utf-8")):
            extra.append(
                classifier.Sample(
                    text=f"{article['question']} {article['answer']}",
                    subject=article["subject"],
                    unit=default.get(article["subject"], ""),
                )
            )
    return samples, subjects, extra


def unit_names() -> dict[str, str]:
    """The departments of the demo district's org tree, code → name."""
    with ORGS.open(encoding="utf-8", newline="") as rows:
        return {
            r["机构编码"]: r["机构名称"] for r in csv.DictReader(rows) if r["机构类型"] == "部门"
        }


def _line(label: str, s: dict, u: dict) -> str:
    return f"{label:34}{s['top1']:>14.1%}{s['top3']:>8.1%}{u['top1']:>12.1%}{u['top3']:>8.1%}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-articles", action="store_true")
    parser.add_argument("--no-loo", action="store_true", help="skip leave-one-out")
    args = parser.parse_args(argv)
    samples, subjects, extra = load(articles=not args.no_articles)
    names = unit_names()
    started = time.perf_counter()
    figures = classifier.cross_validate(
        samples, k=args.folds, seed=args.seed, baseline=subjects, extra=extra, unit_names=names
    )
    loo = None
    if not args.no_loo:
        loo = classifier.cross_validate(
            samples, k=len(samples), baseline=subjects, extra=extra, unit_names=names
        )
    elapsed = time.perf_counter() - started
    print(
        f"{len(samples)} appeals, {len(subjects)} subjects, {len(extra)} articles, "
        f"{len(names)} departments"
    )
    print(f"{'':34}{'subject top-1':>14}{'top-3':>8}{'unit top-1':>12}{'top-3':>8}")
    cv = f"{figures['folds']}-fold, seed {figures['seed']}:"
    print(_line(f"{cv} keyword baseline", figures["baseline_subject"], figures["baseline_unit"]))
    print(_line(f"{cv} classifier", figures["subject"], figures["unit"]))
    if loo:
        print(
            _line("leave-one-out: keyword baseline", loo["baseline_subject"], loo["baseline_unit"])
        )
        print(_line("leave-one-out: classifier", loo["subject"], loo["unit"]))
    print(f"ceilings of unit top-1 ({cv[:-1]}):")
    for label, key in (
        ("the true subject's default unit", "oracle_default"),
        ("the true subject + the street head", "oracle_subject"),
        ("the true route (street or not) + the model's department", "oracle_route"),
    ):
        print(f"  {label:58}{figures[key]['top1']:>6.1%}")
    unit = figures["unit"]
    met = unit["top1"] >= TARGET["unit_top1"] and unit["top3"] >= TARGET["unit_top3"]
    print(
        f"target ({cv[:-1]}): unit top-1 ≥ {TARGET['unit_top1']:.0%}, "
        f"top-3 ≥ {TARGET['unit_top3']:.0%}: " + ("met" if met else "NOT met")
    )
    trainings = figures["folds"] + (loo["folds"] if loo else 0)
    print(f"({elapsed:.1f}s, {trainings} trainings)")


if __name__ == "__main__":
    main()
