import openai
import anthropic

openai.api_key = "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"
claude = anthropic.Anthropic(api_key="sk-ant-api03-JR2zgAe1s6m44rn-hDEaCNKgfc5hGNjKWZvzgh5OLlxKPXv74EpCMMWVs_lkE219tvADR983rdf_DqRagbECTvA8PwWbWAA")
MODEL = "gpt-4o-mini"
HF_TOKEN = "hf_I4oSMPN42hY4GvoWhdbXbitGTPFzvnpAD5"
legacy_key = "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"
