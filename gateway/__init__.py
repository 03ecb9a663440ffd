"""The public door of sgo: composes the subgraphs into one graph and serves it over HTTP."""
