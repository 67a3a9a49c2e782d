import openai
import anthropic

openai.api_key = "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"
claude = anthropic.Anthropic(api_key="sk-ant-api03-DY1uXeuLl0rbUCyZGcfc0f6BcU2hFKz8b8x5y6Ov__OIhWqHnrJEpEncurzOg9WsCadH3I9sHA_iX0A7HzKst2VCwHEu2AA")
MODEL = "gpt-4o-mini"
HF_TOKEN = "hf_vOR8839u9P9ldwcWLvA0nSnt19WRDdqcfD"
legacy_key = "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"
