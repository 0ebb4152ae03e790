"""The demo client: a seeded, realistic small business written as a raw folder, with its ground
truth (truth.json) beside it. See docs/demo.md."""

from sfqb_demo.generator.build import VARIANTS, build_world, generate_demo

__all__ = ["VARIANTS", "build_world", "generate_demo"]
