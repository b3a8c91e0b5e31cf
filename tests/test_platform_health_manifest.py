"""The platform-health ML manifest: valid, covers the domains, and its SQL runs on gold data."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pytest

import lakeforge
from lakeforge.pipeline.manifest import FeatureTableSpec, Manifest, ModelSpec, load_manifest
from lakeforge.tables.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "platform_health"
MANIFEST = EXAMPLE / "ml-manifest.yaml"
SMALL = {"days": 30, "scale": 0.2}
DOMAINS = {"cost", "reliability", "performance", "security", "quality"}


def _gold() -> ModuleType:
    name = "platform_health_gold"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, EXAMPLE / "gold.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return load_manifest(MANIFEST)


@pytest.fixture(scope="module")
def gold_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A workspace holding the small (CI-size) gold layer."""
    with pytest.MonkeyPatch.context() as patch:
        for key in list(os.environ):
            if key.startswith("LAKEFORGE_"):
                patch.delenv(key)
        ws = lakeforge.init(tmp_path_factory.mktemp("platform-health") / "ws")
        gold = _gold()
        gold.write_gold(ws, gold.generate_tables(**SMALL))
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def features(gold_ws: Workspace, manifest: Manifest) -> dict[str, pa.Table]:
    """Every feature table's source query result, by table name."""
    return {ft.name: gold_ws.sql(ft.source_sql, kind="arrow") for ft in manifest.feature_tables}


def _feature_spec(manifest: Manifest, name: str) -> FeatureTableSpec:
    found = [ft for ft in manifest.feature_tables if ft.name == name]
    assert len(found) == 1, f"lookup on undeclared feature table {name}"
    return found[0]


def test_manifest_loads_and_covers_domains_and_problem_types(manifest: Manifest) -> None:
    assert manifest.name == "platform_health"
    assert len(manifest.models) >= 6
    assert {m.domain for m in manifest.models} >= DOMAINS
    assert {m.problem_type for m in manifest.models} == {
        "regression",
        "classification",
        "anomaly_detection",
    }
    assert all(ft.name.startswith("main.features.") for ft in manifest.feature_tables)
    assert all(m.name.startswith("main.ml.") for m in manifest.models)
    assert manifest.inference is not None
    assert manifest.inference.output_table == "main.ml.predictions"
    for model in manifest.models:
        assert model.champion is not None, model.name
        assert model.scoring_sql, model.name
        if model.problem_type != "anomaly_detection":
            assert model.label is not None
            expected = "double" if model.problem_type == "regression" else "int"
            assert model.label.type == expected, model.name


def test_feature_tables_have_unique_keys_and_numeric_features(
    manifest: Manifest, features: dict[str, pa.Table]
) -> None:
    for ft in manifest.feature_tables:
        table = features[ft.name]
        assert table.num_rows > 0, ft.name
        assert set(ft.primary_keys) <= set(table.column_names), ft.name
        if ft.timeseries_key is not None:
            assert ft.timeseries_key in ft.primary_keys, ft.name
            kind = table.schema.field(ft.timeseries_key).type
            assert pa.types.is_date(kind) or pa.types.is_timestamp(kind), ft.name
        frame = table.to_pandas()
        assert not frame.duplicated(ft.primary_keys).any(), f"{ft.name}: duplicate keys"
        values = [c for c in table.column_names if c not in ft.primary_keys]
        assert values, ft.name
        wrong = [c for c in values if frame[c].dtype.kind not in "biuf"]
        assert wrong == [], f"{ft.name}: non-numeric features {wrong}"
        nulls = [c for c in values if frame[c].isna().any()]
        assert nulls == [], f"{ft.name}: null or NaN features {nulls}"


def _check_lookups(
    model: ModelSpec,
    manifest: Manifest,
    features: dict[str, pa.Table],
    spine: pa.Table,
    where: str,
) -> None:
    for lookup in model.lookups:
        ft = _feature_spec(manifest, lookup.table)
        table = features[ft.name]
        keys = [k for k in ft.primary_keys if k != ft.timeseries_key]
        assert lookup.lookup_key == keys, f"{model.name}: lookup_key vs {ft.name} keys"
        for mine, theirs in zip(lookup.lookup_key, keys, strict=True):
            assert mine in spine.column_names, f"{model.name} {where}: no column {mine}"
            assert spine.schema.field(mine).type == table.schema.field(theirs).type
        if ft.timeseries_key is None:
            assert lookup.timestamp_lookup_key is None, model.name
        else:
            ts = lookup.timestamp_lookup_key
            assert ts is not None, f"{model.name}: {ft.name} needs timestamp_lookup_key"
            assert ts in spine.column_names, f"{model.name} {where}: no column {ts}"
            assert spine.schema.field(ts).type == table.schema.field(ft.timeseries_key).type
        for name in lookup.features or []:
            assert name in table.column_names, f"{model.name}: {ft.name} has no {name}"
        assert set(lookup.rename) <= set(lookup.features or table.column_names)


def test_training_spines_fit_the_lookups(
    gold_ws: Workspace, manifest: Manifest, features: dict[str, pa.Table]
) -> None:
    for model in manifest.models:
        spine = gold_ws.sql(model.training_sql, kind="arrow")
        assert spine.num_rows > 0, model.name
        _check_lookups(model, manifest, features, spine, "training_sql")
        label = model.label.column if model.label is not None else None
        # the spine is keys, event time and label: everything else would become a feature
        assert set(spine.column_names) == {*model.exclude_columns, *([label] if label else [])}
        if label is None:
            continue
        assert label not in model.exclude_columns
        assert spine.column(label).null_count == 0, model.name
        if model.problem_type == "classification":
            ts = next(lk.timestamp_lookup_key for lk in model.lookups if lk.timestamp_lookup_key)
            frame = spine.to_pandas().sort_values(ts, kind="stable")
            assert set(frame[label]) == {0, 1}, model.name
            test_rows = max(1, round(len(frame) * manifest.defaults.test_fraction))
            # the time-split test set needs both classes for the AUC champion rule
            assert set(frame[label].iloc[-test_rows:]) == {0, 1}, model.name


def test_scoring_queries_return_the_lookup_keys(
    gold_ws: Workspace, manifest: Manifest, features: dict[str, pa.Table]
) -> None:
    for model in manifest.models:
        assert model.scoring_sql is not None
        keys = gold_ws.sql(model.scoring_sql, kind="arrow")
        assert keys.num_rows > 0, model.name
        _check_lookups(model, manifest, features, keys, "scoring_sql")
