"""The recommendations app: impression and engagement logs, "for you", "who to follow",
"more like this", ranker training and evaluation, viral prediction
(docs/recommendations.md)."""
