"""Journey Lens: customer feedback placed on the customer journey."""

__version__ = "0.1.0"
