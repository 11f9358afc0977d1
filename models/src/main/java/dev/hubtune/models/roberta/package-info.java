/**
 * RoBERTa and the families that share its network in transformers, XLM-RoBERTa and CamemBERT
 * ({@code model_type} {@code roberta}, {@code xlm-roberta}, {@code camembert}): config, backbone
 * (positions counted from the padding index) and weight-name map.
 */
package dev.hubtune.models.roberta;
