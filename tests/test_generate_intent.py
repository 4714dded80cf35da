"""The offline intent reader on instructions of many shapes, and on a CraftBench sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crafteditor.generate.intent import add_key_elements, read_intent
from crafteditor.generate.phrases import name_key
from crafteditor.generate.spec import FigureSpec, InputCondition, ReferenceRole

CRAFTBENCH = Path(__file__).resolve().parents[1] / ".." / "shared" / "craftbench" / "samples"


def names(spec: FigureSpec) -> set[str]:
    return {name_key(e.name) for e in spec.elements} | {name_key(g.name) for g in spec.groups}


def links(spec: FigureSpec) -> set[tuple[str, str, str]]:
    return {(name_key(spec.name_of(c.source)), name_key(spec.name_of(c.target)), c.kind) for c in spec.connections}


def members(spec: FigureSpec, group: str) -> set[str]:
    found = next(g for g in spec.groups if name_key(g.name) == group)
    return {name_key(spec.name_of(m)) for m in found.members}


# (instruction, components, (source, target, kind) connections) -- each a different shape
SHAPES = [
    ("pipeline with arrows", "A pipeline from left to right: Tokenizer → Embedding → Transformer → Classifier.",
     {"tokenizer", "embedding", "transformer", "classifier"},
     {("tokenizer", "embedding", "arrow"), ("embedding", "transformer", "arrow"), ("transformer", "classifier", "arrow")}),
    ("ascii arrows", "Raw audio -> Spectrogram -> CNN encoder -> Transcript",
     {"raw audio", "spectrogram", "cnn encoder", "transcript"},
     {("raw audio", "spectrogram", "arrow"), ("cnn encoder", "transcript", "arrow")}),
    ("branching flow", "The input image feeds a feature extractor. The feature extractor splits into a "
     "classification head and a regression head. The classification head and the regression head feed the loss.",
     {"input image", "feature extractor", "classification head", "regression head", "loss"},
     {("feature extractor", "classification head", "arrow"), ("feature extractor", "regression head", "arrow"),
      ("classification head", "loss", "arrow"), ("regression head", "loss", "arrow")}),
    ("encoder-decoder", "The encoder feeds the latent code, which feeds the decoder.",
     {"encoder", "latent code", "decoder"},
     {("encoder", "latent code", "arrow"), ("latent code", "decoder", "arrow")}),
    ("loop with feedback", "The agent sends an action to the environment. The environment returns a reward to the agent.",
     {"agent", "environment"}, {("agent", "environment", "arrow"), ("environment", "agent", "dashed")}),
    ("feeds and loops back", "The camera feeds the detector, and the detector feeds the tracker. "
     "The tracker loops back to the detector.", {"camera", "detector", "tracker"},
     {("camera", "detector", "arrow"), ("detector", "tracker", "arrow"), ("tracker", "detector", "dashed")}),
    ("numbered steps", "How the system works:\n1. Collect raw data\n2. Clean the data\n3. Train the model\n"
     "4. Evaluate on the test set", {"collect raw data", "clean the data", "train the model", "evaluate on the test set"},
     {("collect raw data", "clean the data", "arrow"), ("train the model", "evaluate on the test set", "arrow")}),
    ("from-through-to", "Data flows from the sensor through the gateway to the cloud.",
     {"sensor", "gateway", "cloud"}, {("sensor", "gateway", "arrow"), ("gateway", "cloud", "arrow")}),
    ("then", "Preprocess the images, then extract features, then classify the regions.",
     {"preprocess the images", "extract features", "classify the regions"},
     {("preprocess the images", "extract features", "arrow"), ("extract features", "classify the regions", "arrow")}),
    ("reverse flow", "The ranker receives candidates from the retriever. The retriever is fed by the query encoder.",
     {"ranker", "retriever", "query encoder"},
     {("retriever", "ranker", "arrow"), ("query encoder", "retriever", "arrow")}),
    ("decision flowchart", "Draw a flowchart: Start → Is the input valid? → Process → End. "
     "If the input is invalid, the check loops back to Start.", {"start", "is the input valid", "process", "end"},
     {("start", "is the input valid", "arrow"), ("check", "start", "dashed")}),
    ("clause subjects", "The noisy image goes to the U-Net, the U-Net outputs the predicted noise, and the "
     "scheduler takes the predicted noise from the U-Net.", {"noisy image", "u-net", "scheduler"},
     {("noisy image", "u-net", "arrow"), ("u-net", "scheduler", "arrow")}),
    ("stores in", "The server stores results in a database.", {"server", "database"},
     {("server", "database", "arrow")}),
    ("a head noun refers back", "An image encoder feeds a transformer, which feeds a text decoder. "
     "The decoder loops back to the encoder.", {"image encoder", "transformer", "text decoder"},
     {("text decoder", "image encoder", "dashed")}),
    ("an adjective opens a name", "Collection → Sorting → Shredding → New products",
     {"collection", "sorting", "shredding", "new products"}, {("shredding", "new products", "arrow")}),
    ("an imperative step names itself", "Data preparation:\n1. Collect raw images\n2. Remove duplicates\n"
     "3. Split into train and test sets", {"collect raw images", "remove duplicates", "split into train and test sets"},
     {("remove duplicates", "split into train and test sets", "arrow")}),
    ("steps numbered in one line", "The pipeline: 1. Load data 2. Clean data 3. Train model 4. Evaluate model",
     {"load data", "clean data", "train model", "evaluate model"},
     {("load data", "clean data", "arrow"), ("train model", "evaluate model", "arrow")}),
]


def test_a_head_noun_shared_by_two_components_names_a_third():
    spec = read_intent("An image encoder and a text encoder feed the fusion module. The encoder feeds the loss.")
    assert {"image encoder", "text encoder", "encoder"} <= names(spec)
    assert len(spec.elements) == len(names(spec))


def test_numbers_that_do_not_run_from_one_are_not_steps():
    spec = read_intent("Train for 3. epochs the model, which feeds the loss.")
    assert not any(n.startswith("epochs") for n in names(spec))


@pytest.mark.parametrize("what, text, components, connections", SHAPES, ids=[s[0] for s in SHAPES])
def test_components_and_connections_are_found(what, text, components, connections):
    spec = read_intent(text)
    assert components <= names(spec)
    assert connections <= links(spec)


def test_hyphenated_words_and_labels_are_kept_whole():
    spec = read_intent("The agent sends an action to the environment. The attention layer feeds a feed-forward layer.")
    assert ("attention layer", "feed-forward layer", "arrow") in links(spec)
    assert {c.label for c in spec.connections} == {"action", ""}


def test_a_list_with_a_container_head_makes_a_container():
    spec = read_intent("The web system has:\n- a browser client\n- an API server\n- a database")
    assert members(spec, "web system") == {"browser client", "api server", "database"}
    assert spec.connections == ()  # a part list, not a flow


def test_nested_containers():
    spec = read_intent("The model consists of an encoder and a decoder. "
                       "The encoder consists of a self-attention layer and a feed-forward layer.")
    assert members(spec, "model") == {"encoder", "decoder"}
    assert members(spec, "encoder") == {"self-attention layer", "feed-forward layer"}
    assert ("encoder", "decoder", "arrow") in links(spec)  # an encoder and a decoder are joined
    assert spec.direction() == "right"


def test_a_structure_container_keeps_compound_names_and_does_not_chain():
    spec = read_intent("The transformer block consists of multi-head attention, add & norm, and feed forward.")
    assert members(spec, "transformer") == {"multi-head attention", "add norm", "feed forward"}  # keys drop "&" and "block"
    assert spec.connections == ()


def test_a_process_container_chains_its_parts_in_order():
    spec = read_intent("Our training pipeline consists of data loading, augmentation and optimisation.")
    assert members(spec, "training pipeline") == {"data loading", "augmentation", "optimisation"}
    assert {("data loading", "augmentation", "arrow"), ("augmentation", "optimisation", "arrow")} <= links(spec)


def test_a_layered_stack_goes_top_to_bottom_in_one_column():
    spec = read_intent("A layered stack: Application layer, Transport layer, Network layer, Link layer.")
    assert spec.direction() == "down"
    column = next(c for c in spec.constraints if c.kind == "same_column")
    assert [spec.name_of(i) for i in column.ids] == ["Application layer", "Transport layer", "Network layer",
                                                     "Link layer"]


@pytest.mark.parametrize("hint, direction", [("left to right", "right"), ("top-to-bottom", "down"),
                                              ("stacked vertically", "down"), ("bottom to top", "up")])
def test_layout_hints_set_the_direction_and_do_not_become_components(hint, direction):
    spec = read_intent(f"Draw it {hint}: Reader → Writer")
    assert spec.direction() == direction
    assert names(spec) == {"reader", "writer"}


def test_placement_words_become_constraints_not_connections():
    spec = read_intent("The planner sits above the executor. The cache is next to the executor.")
    kinds = {(c.kind, tuple(spec.name_of(i) for i in c.ids)) for c in spec.constraints}
    assert ("same_column", ("Planner", "Executor")) in kinds and ("order", ("Planner", "Executor")) in kinds
    assert ("same_row", ("Cache", "Executor")) in kinds
    assert spec.connections == ()


def test_a_poster_with_three_named_panels():
    spec = read_intent('A poster titled "Fast Graph Learning" with three panels: Motivation, Method and Results. '
                       "The Method panel contains a data collector, a trainer and an evaluator.", style="poster")
    assert spec.role == "poster" and spec.title == "Fast Graph Learning" and spec.show_title
    assert spec.layout.count == 3 and [p.title for p in spec.layout.panels] == ["Motivation", "Method", "Results"]
    assert [p.position for p in spec.layout.panels] == ["left", "center", "right"]
    assert members(spec, "method") == {"data collector", "trainer", "evaluator"}


def test_a_poster_with_a_panel_count_deals_its_parts_into_panels():
    spec = read_intent("A poster in three columns. Data collection → Cleaning → Training → Evaluation → "
                       "Deployment → Monitoring", style="poster")
    assert spec.layout.count == 3
    dealt = [set(p.components) for p in spec.layout.panels]
    assert all(len(d) == 2 for d in dealt) and len(set().union(*dealt)) == 6


def test_style_directives_are_not_components():
    spec = read_intent("Style requirements:\n- Clean black-on-white background\n- Crisp labels, no decoration\n\n"
                       "Show the tokenizer, the encoder and the decoder.")
    assert names(spec) == {"tokenizer", "encoder", "decoder"}


def test_the_title_comes_from_an_explicit_title_or_the_caption():
    explicit = read_intent('Title: Sparse Routing\nRouter → Expert')
    assert explicit.title == "Sparse Routing" and explicit.show_title
    captioned = read_intent("Router → Expert", caption="Figure 3: The routing scheme. Experts are sparse.")
    assert captioned.title == "The routing scheme" and not captioned.show_title  # academic: not drawn


def test_reading_is_deterministic():
    text = SHAPES[2][1]
    assert read_intent(text) == read_intent(text)


def test_key_elements_add_pictured_elements_and_join_named_ones(tmp_path):
    spec = read_intent("The microscope feeds the segmenter.")
    out = add_key_elements(spec, [tmp_path / "microscope.png", tmp_path / "cell_culture.png"])
    assert out.condition == InputCondition.KEY_ELEMENTS and out.reference_role == ReferenceRole.USE_ELEMENTS
    scope = next(e for e in out.elements if e.name == "Microscope")
    assert scope.image_path.endswith("microscope.png") and scope.realization == "icon"
    added = next(e for e in out.elements if e.name == "Cell culture")
    assert added.image_path.endswith("cell_culture.png") and len(out.elements) == len(spec.elements) + 1


def test_the_input_condition_is_recorded():
    spec = read_intent("Box A -> Box B", condition=InputCondition.SKETCH)
    assert spec.condition == InputCondition.SKETCH and spec.reference_role == ReferenceRole.REFINE_SKETCH


@pytest.mark.skipif(not (CRAFTBENCH / "craftbench-0001.json").is_file(), reason="CraftBench samples not present")
def test_craftbench_0001_finds_the_framework_and_its_stages():
    sample = json.loads((CRAFTBENCH / "craftbench-0001.json").read_text(encoding="utf-8"))
    spec = read_intent(sample["instruction"], sample["paper_context"], caption=sample["caption"],
                       style=sample["style"])
    # the instruction itself is a generic request; the components come from the context
    assert {"data preprocessing", "binn-based equation learning", "symbolic regression post-processing"} <= names(spec)
    assert members(spec, "pinn framework") >= {"data preprocessing", "symbolic regression post-processing"}
    assert ("data preprocessing", "binn-based equation learning", "arrow") in links(spec)
    assert spec.title.startswith("Pipeline for applying the PINN framework")
    assert not any(word in names(spec) for word in ("components", "clean black-on-white background"))
