/**
 * Low-rank adapters (LoRA) on the {@link dev.hubtune.models.nn.LinearAdapter} hook, interchangeable
 * with Hugging Face PEFT: {@link dev.hubtune.models.lora.LoraConfig} (rank, alpha, rsLoRA, dropout,
 * target modules with PEFT's defaults per model type, modules to save), {@link
 * dev.hubtune.models.lora.LoraAdapter} (the adapters in a graph), {@link
 * dev.hubtune.models.lora.PeftAdapter} (PEFT's adapter directory, read and written) and {@link
 * dev.hubtune.models.lora.LoraMerge} (adapters folded into the base weights).
 */
package dev.hubtune.models.lora;
