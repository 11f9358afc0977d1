package dev.hubtune.finetune;

import dev.hubtune.models.init.ModelInitializer;
import dev.hubtune.tokenizers.data.TaggedSentence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A generated NER task: entity names made of random syllables (so every name is new word pieces in
 * new combinations) in templated sentences, persons, organisations and locations told apart only by
 * the context and a few cue words ({@code Corp}, {@code Valley}), with separate name pools for
 * training and validation, so validation entities are names the model never saw. A cased WordPiece
 * vocabulary covers the template words and the syllables ({@code Ka}, {@code ##lo}), so names split
 * into several sub-tokens, and {@code bert-tiny} is initialised over it.
 */
final class TinyNer {

    private static final String[] CONSONANTS = "b d f g k l m n p r s t v z".split(" ");
    private static final String[] VOWELS = "a e i o u".split(" ");
    private static final String[] ORG_SUFFIXES = {"Corp", "Labs", "Group", "Bank"};

    /** Templates; {P} person, {O} organisation, {L} location. */
    private static final String[] TEMPLATES = {
        "{P} works for {O} in {L} .",
        "yesterday {P} flew to {L} .",
        "{O} hired {P} last year .",
        "the office of {O} is in {L} .",
        "we met {P} at the {O} party .",
        "{L} is far from {L} .",
        "{P} and {P} live in {L} .",
        "shares of {O} rose today .",
        "i think {P} will visit {L} soon .",
        "the mayor of {L} spoke with {P} .",
        "{P} said that {O} will open a store in {L} .",
        "nothing happened here today .",
        // long: windows of a short max length split it
        "{P} , {P} , {P} , {P} and {P} met the mayor of {L} and the staff of {O} ."
    };

    private final Random random;
    private final List<String> trainNames;
    private final List<String> validationNames;

    TinyNer(long seed) {
        random = new Random(seed);
        Set<String> names = new LinkedHashSet<>();
        while (names.size() < 400) {
            names.add(name());
        }
        List<String> all = new ArrayList<>(names);
        trainNames = all.subList(0, 250);
        validationNames = all.subList(250, 400);
    }

    private String syllable() {
        return CONSONANTS[random.nextInt(CONSONANTS.length)]
                + VOWELS[random.nextInt(VOWELS.length)];
    }

    private String name() {
        StringBuilder sb = new StringBuilder();
        int n = 2 + random.nextInt(2);
        for (int i = 0; i < n; i++) {
            sb.append(syllable());
        }
        return Character.toUpperCase(sb.charAt(0)) + sb.substring(1);
    }

    /** {@code n} sentences with names from the training or the validation pool. */
    List<TaggedSentence> sentences(int n, boolean validation) {
        List<String> pool = validation ? validationNames : trainNames;
        List<TaggedSentence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String template = TEMPLATES[random.nextInt(TEMPLATES.length)];
            List<String> words = new ArrayList<>();
            List<String> tags = new ArrayList<>();
            for (String slot : template.split(" ")) {
                switch (slot) {
                    case "{P}" -> {
                        add(words, tags, "PER", pick(pool));
                        if (random.nextBoolean()) {
                            words.add(pick(pool));
                            tags.add("I-PER");
                        }
                    }
                    case "{O}" -> {
                        add(words, tags, "ORG", pick(pool));
                        if (random.nextInt(3) > 0) {
                            words.add(ORG_SUFFIXES[random.nextInt(ORG_SUFFIXES.length)]);
                            tags.add("I-ORG");
                        }
                    }
                    case "{L}" -> {
                        int form = random.nextInt(3);
                        add(words, tags, "LOC", form == 1 ? "New" : pick(pool));
                        if (form == 1) {
                            words.add(pick(pool));
                            tags.add("I-LOC");
                        } else if (form == 2) {
                            words.add("Valley");
                            tags.add("I-LOC");
                        }
                    }
                    default -> {
                        words.add(slot);
                        tags.add("O");
                    }
                }
            }
            out.add(new TaggedSentence(words, tags, i + 1));
        }
        return out;
    }

    private String pick(List<String> pool) {
        return pool.get(random.nextInt(pool.size()));
    }

    private static void add(List<String> words, List<String> tags, String type, String word) {
        words.add(word);
        tags.add("B-" + type);
    }

    /** Writes {@code sentences} as CoNLL ({@code word POS tag}, a dummy POS column). */
    static Path conll(Path file, List<TaggedSentence> sentences) throws Exception {
        StringBuilder sb = new StringBuilder("-DOCSTART- -X- O\n\n");
        for (TaggedSentence s : sentences) {
            for (int w = 0; w < s.size(); w++) {
                sb.append(s.words().get(w)).append(" NN ").append(s.tags().get(w)).append('\n');
            }
            sb.append('\n');
        }
        Files.writeString(file, sb);
        return file;
    }

    /** Writes {@code sentences} as JSONL ({@code tokens}, {@code tags}). */
    static Path jsonl(Path file, List<TaggedSentence> sentences) throws Exception {
        StringBuilder sb = new StringBuilder();
        com.google.gson.Gson gson = new com.google.gson.Gson();
        for (TaggedSentence s : sentences) {
            sb.append(gson.toJson(java.util.Map.of("tokens", s.words(), "tags", s.tags())))
                    .append('\n');
        }
        Files.writeString(file, sb);
        return file;
    }

    /** A cased vocab.txt over the template words, cue words and every syllable. */
    static Path vocab(Path dir) throws Exception {
        Set<String> tokens =
                new LinkedHashSet<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        for (String t : TEMPLATES) {
            for (String w : t.split(" ")) {
                if (!w.startsWith("{")) {
                    tokens.add(w);
                }
            }
        }
        tokens.addAll(List.of(ORG_SUFFIXES));
        tokens.addAll(List.of("New", "Valley"));
        for (String c : CONSONANTS) {
            tokens.add(c.toUpperCase(java.util.Locale.ROOT));
            tokens.add("##" + c);
            for (String v : VOWELS) {
                tokens.add(c.toUpperCase(java.util.Locale.ROOT) + v);
                tokens.add("##" + c + v);
            }
        }
        for (String v : VOWELS) {
            tokens.add("##" + v);
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("vocab.txt"), String.join("\n", tokens) + "\n");
        return dir;
    }

    /** {@code bert-tiny} over {@link #vocab}, at {@code root/bert-tiny}. */
    static Path bertTiny(Path root) throws Exception {
        Path vocab = vocab(root.resolve("ner-vocab"));
        return ModelInitializer.create("bert-tiny", vocab, root.resolve("bert-tiny"), 1);
    }
}
