/** Export directories: atomic, with tokenizer files and a hubtune.json of checksums. */
package dev.hubtune.models.export;
