"""Renderers: turn the derivation's data into text. The engine never formats strings itself."""

from .json import gradient_json, write_gradient_json
from .printer import PlainPrinter, Printer, plain
from .text import TextPrinter, render_text, write_gradient_text

__all__ = ["PlainPrinter", "Printer", "TextPrinter", "gradient_json", "plain", "render_text",
           "write_gradient_json", "write_gradient_text"]
