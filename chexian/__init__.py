"""Chexian (车险): the car-insurance desk of dealerships and dealer groups."""

__version__ = "0.1.0"
