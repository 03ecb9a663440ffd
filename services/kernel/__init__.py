"""The shared kernel: what every sgo service needs and nothing a single context owns."""
