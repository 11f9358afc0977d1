package dev.hubtune.models.weights;

import dev.hubtune.models.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Which weights file of a model directory to read: {@code model.safetensors} (or its sharded
 * index), an ONNX file, or a TensorFlow checkpoint (a SavedModel's {@code variables/} or a single
 * {@code *.ckpt.index}). PyTorch pickles are refused: unpickling runs code.
 */
public final class WeightFiles {

    /** The formats hubtune reads. */
    public enum Format {
        /** HF's {@code model.safetensors} or {@code model.safetensors.index.json} with shards. */
        SAFETENSORS,
        /** {@code model.onnx}. */
        ONNX,
        /** A TensorFlow tensor bundle ({@code *.index} + data shards). */
        TF_CHECKPOINT,
        /** A single llama.cpp {@code *.gguf} file. */
        GGUF
    }

    /**
     * Weights found in a directory.
     *
     * @param format their format
     * @param path the file to read (for safetensors, the model directory)
     */
    public record Found(Format format, Path path) {}

    private WeightFiles() {}

    /**
     * The weights of {@code dir}, preferring safetensors, then ONNX, then a TF checkpoint, among
     * the formats {@code accepted}.
     *
     * @throws ModelException when none is there, with what was expected
     */
    public static Found find(Path dir, Set<Format> accepted) throws ModelException {
        if (accepted.contains(Format.SAFETENSORS)
                && (Files.isRegularFile(dir.resolve("model.safetensors"))
                        || Files.isRegularFile(dir.resolve("model.safetensors.index.json")))) {
            return new Found(Format.SAFETENSORS, dir);
        }
        if (accepted.contains(Format.ONNX) && Files.isRegularFile(dir.resolve("model.onnx"))) {
            return new Found(Format.ONNX, dir.resolve("model.onnx"));
        }
        if (accepted.contains(Format.TF_CHECKPOINT)) {
            Path bundle = tensorBundleIndex(dir);
            if (bundle != null) {
                return new Found(Format.TF_CHECKPOINT, bundle);
            }
        }
        if (accepted.contains(Format.GGUF)) {
            Path gguf = single(dir, ".gguf");
            if (gguf != null) {
                return new Found(Format.GGUF, gguf);
            }
        }
        if (Files.isRegularFile(dir.resolve("pytorch_model.bin"))) {
            throw new ModelException(
                    dir.resolve("pytorch_model.bin")
                            + " is a PyTorch pickle, which hubtune does not load (unpickling runs"
                            + " code). Use the repository's model.safetensors"
                            + (accepted.contains(Format.ONNX) ? " or an ONNX export" : "")
                            + " instead.");
        }
        throw new ModelException(
                "no weights hubtune can read in " + dir + ": expected " + describe(accepted));
    }

    private static String describe(Set<Format> accepted) {
        StringBuilder sb = new StringBuilder("model.safetensors (or its sharded index)");
        if (accepted.contains(Format.TF_CHECKPOINT)) {
            sb.append(
                    ", a TF checkpoint (*.ckpt.index + data), a SavedModel's"
                            + " variables/variables.index");
        }
        if (accepted.contains(Format.ONNX)) {
            sb.append(", or model.onnx");
        }
        if (accepted.contains(Format.GGUF)) {
            sb.append(", or one *.gguf file");
        }
        return sb.toString();
    }

    /** The one file of {@code dir} ending in {@code suffix}, null if none, refused if several. */
    public static Path single(Path dir, String suffix) throws ModelException {
        try (var files = Files.list(dir)) {
            List<Path> found =
                    files.filter(p -> p.getFileName().toString().endsWith(suffix))
                            .filter(Files::isRegularFile)
                            .sorted()
                            .toList();
            if (found.size() > 1) {
                throw new ModelException(
                        dir
                                + " holds several "
                                + suffix
                                + " files "
                                + found
                                + "; keep the one to load");
            }
            return found.isEmpty() ? null : found.get(0);
        } catch (IOException e) {
            throw new ModelException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The index of a TF checkpoint in {@code dir}: a SavedModel's {@code
     * variables/variables.index}, or a single {@code *.index} beside its data shards (Google's
     * {@code bert_model.ckpt.index}).
     */
    private static Path tensorBundleIndex(Path dir) throws ModelException {
        Path saved = dir.resolve("variables").resolve("variables.index");
        if (Files.isRegularFile(saved)) {
            return saved;
        }
        try (var files = Files.list(dir)) {
            List<Path> indexes =
                    files.filter(p -> p.getFileName().toString().endsWith(".index"))
                            .filter(Files::isRegularFile)
                            .sorted()
                            .toList();
            if (indexes.size() > 1) {
                throw new ModelException(
                        dir
                                + " holds several TF checkpoints "
                                + indexes
                                + "; keep the one to load");
            }
            return indexes.isEmpty() ? null : indexes.get(0);
        } catch (IOException e) {
            throw new ModelException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
