"""A fixed set of generation instructions of different shapes, with what each must show.

Each case names the components the figure must show (as ``<text>``) and the connections
it must draw (source name, target name), as a reader of the instruction would list them;
the generation benchmark and the tests check the generated SVG against these.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CASES", "GenCase"]


@dataclass(frozen=True)
class GenCase:
    id: str
    shape: str  # what kind of figure: pipeline, branching, encoder-decoder, ...
    instruction: str
    labels: tuple[str, ...]
    connections: tuple[tuple[str, str], ...] = ()
    style: str = "academic"


CASES: tuple[GenCase, ...] = (
    GenCase("pipeline", "pipeline",
            "A pipeline: Tokenizer → Encoder → Decoder → Output head, left to right.",
            ("Tokenizer", "Encoder", "Decoder", "Output head"),
            (("Tokenizer", "Encoder"), ("Encoder", "Decoder"), ("Decoder", "Output head"))),
    GenCase("numbered-steps", "pipeline",
            "Data preparation workflow:\n1. Collect raw images\n2. Remove duplicates\n3. Annotate objects\n"
            "4. Split into train and test sets",
            ("Collect raw images", "Remove duplicates", "Annotate objects", "Split into train and test sets"),
            (("Collect raw images", "Remove duplicates"), ("Remove duplicates", "Annotate objects"),
             ("Annotate objects", "Split into train and test sets"))),
    GenCase("branching", "branching flow",
            "Input image → Backbone. Backbone → Detection head. Backbone → Segmentation head. "
            "Detection head → Boxes. Segmentation head → Masks.",
            ("Input image", "Backbone", "Detection head", "Segmentation head", "Boxes", "Masks"),
            (("Input image", "Backbone"), ("Backbone", "Detection head"), ("Backbone", "Segmentation head"),
             ("Detection head", "Boxes"), ("Segmentation head", "Masks"))),
    GenCase("decision", "branching flow",
            "Request → Cache lookup → Hit? Hit? → Return cached answer. Hit? → Query database. "
            "Query database → Return cached answer.",
            ("Request", "Cache lookup", "Hit?", "Return cached answer", "Query database"),
            (("Request", "Cache lookup"), ("Cache lookup", "Hit?"), ("Hit?", "Return cached answer"),
             ("Hit?", "Query database"), ("Query database", "Return cached answer"))),
    GenCase("encoder-decoder", "encoder-decoder",
            "An encoder-decoder model: Source sentence → Encoder → Context vector → Decoder → Target sentence.",
            ("Source sentence", "Encoder", "Context vector", "Decoder", "Target sentence"),
            (("Source sentence", "Encoder"), ("Encoder", "Context vector"), ("Context vector", "Decoder"),
             ("Decoder", "Target sentence"))),
    GenCase("unet", "encoder-decoder",
            "Image → Contracting path → Bottleneck → Expanding path → Segmentation map. "
            "Contracting path → Expanding path (skip connections).",
            ("Image", "Contracting path", "Bottleneck", "Expanding path", "Segmentation map"),
            (("Image", "Contracting path"), ("Contracting path", "Bottleneck"), ("Bottleneck", "Expanding path"),
             ("Expanding path", "Segmentation map"), ("Contracting path", "Expanding path"))),
    GenCase("layered-stack", "layered stack",
            "The system has layers, stacked top to bottom: Application, Runtime, Operating system, Hardware.",
            ("Application", "Runtime", "Operating system", "Hardware")),
    GenCase("network-stack", "layered stack",
            "Protocol layers from top to bottom: HTTP → TLS → TCP → IP → Ethernet.",
            ("HTTP", "TLS", "TCP", "IP", "Ethernet"),
            (("HTTP", "TLS"), ("TLS", "TCP"), ("TCP", "IP"), ("IP", "Ethernet"))),
    GenCase("rl-loop", "loop with feedback",
            "Agent → Environment (action). Environment → Reward model (state). "
            "Reward model loops back to Agent (reward).",
            ("Agent", "Environment", "Reward model"),
            (("Agent", "Environment"), ("Environment", "Reward model"), ("Reward model", "Agent"))),
    GenCase("training-loop", "loop with feedback",
            "Model → Predictions → Loss → Optimizer. Optimizer loops back to Model.",
            ("Model", "Predictions", "Loss", "Optimizer"),
            (("Model", "Predictions"), ("Predictions", "Loss"), ("Loss", "Optimizer"), ("Optimizer", "Model"))),
    GenCase("nested", "nested containers",
            "The Vision transformer consists of Patch embedding, Transformer blocks and Classification head. "
            "Image → Patch embedding → Transformer blocks → Classification head → Label.",
            ("Vision transformer", "Patch embedding", "Transformer blocks", "Classification head", "Image", "Label"),
            (("Image", "Patch embedding"), ("Patch embedding", "Transformer blocks"),
             ("Transformer blocks", "Classification head"), ("Classification head", "Label"))),
    GenCase("two-containers", "nested containers",
            "The Retriever contains Query encoder and Document index. The Generator contains Context reader "
            "and Answer writer. Query encoder → Document index → Context reader → Answer writer.",
            ("Retriever", "Query encoder", "Document index", "Generator", "Context reader", "Answer writer"),
            (("Query encoder", "Document index"), ("Document index", "Context reader"),
             ("Context reader", "Answer writer"))),
    GenCase("poster", "poster with panels", "A poster with three panels: Motivation, Method, Results. "
            "Motivation → Method → Results.",
            ("Motivation", "Method", "Results"),
            (("Motivation", "Method"), ("Method", "Results")), "poster"),
    GenCase("infographic", "infographic",
            "How recycling works: Collection → Sorting → Cleaning → Shredding → New products.",
            ("Collection", "Sorting", "Cleaning", "Shredding", "New products"),
            (("Collection", "Sorting"), ("Sorting", "Cleaning"), ("Cleaning", "Shredding"),
             ("Shredding", "New products")), "infographic"),
    GenCase("feeds", "pipeline",
            "The camera feeds the detector. The detector feeds the tracker. The tracker feeds the planner.",
            ("Camera", "Detector", "Tracker", "Planner"),
            (("Camera", "Detector"), ("Detector", "Tracker"), ("Tracker", "Planner"))),
    GenCase("fan-in", "branching flow",
            "Text encoder → Fusion module. Image encoder → Fusion module. Audio encoder → Fusion module. "
            "Fusion module → Classifier.",
            ("Text encoder", "Image encoder", "Audio encoder", "Fusion module", "Classifier"),
            (("Text encoder", "Fusion module"), ("Image encoder", "Fusion module"), ("Audio encoder", "Fusion module"),
             ("Fusion module", "Classifier"))),
    GenCase("labelled-edges", "pipeline",
            "Sensor → Filter (raw signal). Filter → Estimator (clean signal). Estimator → Controller (state).",
            ("Sensor", "Filter", "Estimator", "Controller", "raw signal", "clean signal", "state"),
            (("Sensor", "Filter"), ("Filter", "Estimator"), ("Estimator", "Controller"))),
    GenCase("long-labels", "pipeline",
            "Self-supervised pretraining on unlabelled web images → Fine-tuning on the labelled target dataset "
            "→ Evaluation on held-out benchmark suites.",
            ("Self-supervised pretraining on unlabelled web images", "Fine-tuning on the labelled target dataset",
             "Evaluation on held-out benchmark suites"),
            (("Self-supervised pretraining on unlabelled web images", "Fine-tuning on the labelled target dataset"),
             ("Fine-tuning on the labelled target dataset", "Evaluation on held-out benchmark suites"))),
    GenCase("top-down", "pipeline",
            "From top to bottom: User query → Planner → Tool calls → Answer.",
            ("User query", "Planner", "Tool calls", "Answer"),
            (("User query", "Planner"), ("Planner", "Tool calls"), ("Tool calls", "Answer"))),
    GenCase("wide", "pipeline",
            "Stage A → Stage B → Stage C → Stage D → Stage E → Stage F → Stage G → Stage H.",
            tuple(f"Stage {c}" for c in "ABCDEFGH"),
            tuple((f"Stage {a}", f"Stage {b}") for a, b in zip("ABCDEFG", "BCDEFGH"))),
)
