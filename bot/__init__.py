"""XinZhi (信知): answer debt and credit questions from a curated, sourced knowledge base."""

__version__ = "0.1.0"
