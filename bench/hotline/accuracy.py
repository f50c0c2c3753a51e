"""How well the dispatch classifier suggests subject and lead unit (docs/hotline.md,
"Routing and the classifier"), against the plain keyword rules.

    .venv/bin/python bench/hotline/accuracy.py [--folds 5] [--seed 0] [--no-articles]

Stratified k-fold cross-validation (by lead unit, fixed seed) over the demo district's 180
past appeals (src/yiwang/demo/data/hotline/appeals.yaml): each fold is predicted by a model
trained on the other folds, the subject tree (categories.yaml: names, keywords, default
units) and the knowledge-base articles (knowledge.yaml) — what `yiwang hotline train` uses
from the database. No database is needed: the classifier is pure.

Printed: top-1 and top-3 hit rates of subject and unit for the model and for the keyword
baseline (subject by the number of its keywords in the text, ties by how often it came in
the training folds; unit = the subject's default unit), and the target."""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

import yaml  # noqa: E402

from yiwang.hotline import classifier  # noqa: E402

DATA = ROOT / "src" / "yiwang" / "demo" / "data" / "hotline"
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-articles", action="store_true")
    args = parser.parse_args(argv)
    samples, subjects, extra = load(articles=not args.no_articles)
    started = time.perf_counter()
    figures = classifier.cross_validate(
        samples, k=args.folds, seed=args.seed, baseline=subjects, extra=extra
    )
    elapsed = time.perf_counter() - started
    print(
        f"{len(samples)} appeals, {len(subjects)} subjects, {len(extra)} articles; "
        f"{figures['folds']}-fold stratified cross-validation, seed {figures['seed']}"
    )
    print(f"{'':18}{'subject top-1':>14}{'top-3':>8}{'unit top-1':>12}{'top-3':>8}")
    for label, prefix in (("keyword baseline", "baseline_"), ("classifier", "")):
        s, u = figures[f"{prefix}subject"], figures[f"{prefix}unit"]
        print(f"{label:18}{s['top1']:>14.1%}{s['top3']:>8.1%}{u['top1']:>12.1%}{u['top3']:>8.1%}")
    unit = figures["unit"]
    met = unit["top1"] >= TARGET["unit_top1"] and unit["top3"] >= TARGET["unit_top3"]
    print(
        f"target: unit top-1 ≥ {TARGET['unit_top1']:.0%}, top-3 ≥ {TARGET['unit_top3']:.0%}: "
        + ("met" if met else "NOT met")
    )
    print(f"({elapsed:.1f}s, {figures['folds']} trainings)")


if __name__ == "__main__":
    main()
