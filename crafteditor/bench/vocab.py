"""Words for synthetic figures: labels that look like real diagram text."""

from __future__ import annotations

import random

HEADS = (
    "Encoder", "Decoder", "Self-Attention", "Cross-Attention", "Feed Forward", "Layer Norm", "Embedding",
    "Tokenizer", "Backbone", "Projection", "Classifier", "Pooling", "Softmax", "Residual Block",
    "Conv 3x3", "Conv 1x1", "Upsample", "Downsample", "Feature Pyramid", "Mask Head", "Memory Bank",
    "Retriever", "Reranker", "Query", "Key", "Value", "Router", "Expert", "Gating", "Vision Encoder",
    "Text Encoder", "Image Patches", "Positional Encoding", "Loss", "Optimizer", "Scheduler",
    "Data Loader", "Augmentation", "Teacher", "Student", "Discriminator", "Generator", "Critic",
    "Policy", "Environment", "Replay Buffer", "Cache", "Database", "Parser", "Index", "Planner",
)
DETAILS = (
    "Feature map 64x64", "stride 2", "ReLU", "GELU", "d = 512", "8 heads", "N = 6 layers", "dropout 0.1",
    "256 channels", "batch 32", "frozen", "trainable", "(shared)", "x4", "k = 3", "top-k = 2", "FP16",
    "128 x 128", "lr = 3e-4", "BatchNorm", "skip connection", "per token", "multi-scale", "stage 2",
    "Feature map 32x32", "1/8 resolution", "LoRA r=16", "window 7x7",
)
TITLE_HEADS = ("Overview of the", "Architecture of the", "Pipeline of the", "Training of the", "Inference with the")
TITLE_TAILS = ("proposed model", "retrieval system", "vision transformer", "diffusion pipeline",
               "multi-stage detector", "agent framework", "data engine", "segmentation network")
CAPTION_BITS = ("Boxes denote modules and arrows the data flow.", "Dashed regions group shared components.",
                "Icons show example inputs.", "Best viewed in colour.", "Frozen blocks are shaded.",
                "Numbers give tensor shapes.")
CONTAINER_TITLES = ("Backbone", "Feature Extraction", "Fusion Module", "Training loop", "Inference",
                    "Shared weights", "Data pipeline", "Decoder stack", "Memory")
ICON_CAPTIONS = ("Input image", "Sample", "Output", "Prediction", "Document", "Camera", "Scene", "Query image")
AXIS_LABELS = ("Accuracy (%)", "Latency (ms)", "Depth", "Time step", "Resolution")


def label(rng: random.Random) -> list[str]:
    """One to three lines: a head word, then details."""
    n = rng.choices((1, 2, 3), weights=(5, 4, 2))[0]
    lines = [rng.choice(HEADS)]
    lines += rng.sample(DETAILS, k=n - 1)
    return lines


def title(rng: random.Random) -> str:
    return f"{rng.choice(TITLE_HEADS)} {rng.choice(TITLE_TAILS)}"


def caption(rng: random.Random) -> str:
    return f"Figure {rng.randint(1, 9)}: {rng.choice(TITLE_HEADS)} {rng.choice(TITLE_TAILS)}. " + rng.choice(
        CAPTION_BITS
    )
