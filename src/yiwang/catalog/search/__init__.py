"""Catalogue search: citizens' words (残疾证怎么办, 开饭店要什么证, canjizheng, cjrz) to items.

- text.py: segmentation, pinyin and the maintained synonym dictionary (synonyms.txt)
- index.py: one SearchDocument per published item, rebuilt on publish
- query.py: parse, expand, full-text query, rank, one-wrong-character fallback
"""
