"""Legacy reference import path for TrainingSet."""

from lakeforge.features.training_set import TrainingSet

__all__ = ["TrainingSet"]
