"""Pretrained starts (paper Sec. 7.3): round 0 begins from a local Hugging Face checkpoint.

The checkpoint directory holds a LLaMA-architecture `AutoModelForCausalLM` and its tokenizer;
nothing is downloaded. Its weights become our Transformer (selfimprove.interop.hf), and its vocabulary
is cut down to the task's: each character of the task's alphabet must be one token of the
checkpoint's tokenizer, and [BOS]/[EOS] map to its BOS/EOS tokens ([PAD] to its PAD, else EOS).
The embedding and output rows of those tokens are kept, the rest dropped, so the model keeps
what it knew about digits while the workflow keeps its small character vocabulary.

`make_tiny_llama` writes a small random checkpoint of that kind, for tests and smoke runs.
"""

from __future__ import annotations

from pathlib import Path

import torch

from selfimprove.engine.model import Transformer
from selfimprove.engine.tokenizer import SPECIALS, CharTokenizer
from selfimprove.interop.hf import from_llama
from selfimprove.workflow.atomic import atomic_output


def vocabulary_map(tokenizer, alphabet: str, where: str = "the checkpoint") -> list[int]:
    """Checkpoint token id of each of our ids: [PAD], [BOS], [EOS], then the alphabet."""
    if tokenizer.bos_token_id is None or tokenizer.eos_token_id is None:
        raise ValueError(f"{where}: its tokenizer defines no BOS or EOS token")
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    ids = [pad, tokenizer.bos_token_id, tokenizer.eos_token_id]
    for char in alphabet:
        pieces = tokenizer.encode(char, add_special_tokens=False)
        if len(pieces) != 1:
            raise ValueError(f"{where}: character {char!r} is {len(pieces)} tokens {pieces} in its tokenizer; each must be one")
        if tokenizer.unk_token_id is not None and pieces[0] == tokenizer.unk_token_id:
            raise ValueError(f"{where}: character {char!r} is not in its tokenizer's vocabulary (it becomes the unknown token)")
        ids.append(pieces[0])
    assert len(ids) == len(SPECIALS) + len(alphabet)
    return ids


@torch.no_grad()
def load_pretrained(path, alphabet: str) -> tuple[Transformer, CharTokenizer, dict]:
    """(our model on the task's vocabulary, its tokenizer, provenance for the checkpoint's meta)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(path)
    if not (path / "config.json").exists():
        raise FileNotFoundError(f"model.init_from: {path} is not a Hugging Face checkpoint directory (no config.json)")
    hf = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=torch.float32)
    ids = vocabulary_map(AutoTokenizer.from_pretrained(path, local_files_only=True), alphabet, str(path))
    full = from_llama(hf, "rope")
    cfg = full.cfg
    cfg.vocab_size = len(ids)
    model = Transformer(cfg)
    state = full.state_dict()
    state["embed.weight"] = state["embed.weight"][ids]
    state["lm_head.weight"] = state["lm_head.weight"][ids]
    model.load_state_dict(state)
    return model, CharTokenizer(alphabet), {"pretrained_from": str(path), "vocabulary_map": ids}


def make_tiny_llama(out, chars: str, *, n_layer=2, n_head=4, n_kv_head=2, d_model=64, seed=0) -> None:
    """A small random LlamaForCausalLM + a one-character-per-token tokenizer, saved to `out`."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<s>", "</s>", "<pad>", "<unk>"]
    vocab = {t: i for i, t in enumerate(specials + [c for c in dict.fromkeys(chars)] + ["ab", "xyz"])}  # a few extra tokens
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Split(Regex("."), "isolated")
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>")
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=d_model,
        intermediate_size=2 * d_model,
        num_hidden_layers=n_layer,
        num_attention_heads=n_head,
        num_key_value_heads=n_kv_head,
        max_position_embeddings=512,
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=2,
        tie_word_embeddings=False,
    )
    with atomic_output(out) as tmp:
        LlamaForCausalLM(config).save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
