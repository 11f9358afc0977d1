package dev.hubtune.finetune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Entity-level precision, recall and F1 of tagged sequences with the semantics of seqeval 1.2.2,
 * the library HF's token-classification examples report: the <b>default</b> mode chunks tags the
 * way conlleval does whatever the scheme (an {@code I-} after {@code O} starts an entity, a change
 * of type ends one), and the <b>strict</b> mode reads them by a tag scheme (IOB1, IOE1, IOB2, IOE2,
 * IOBES, BILOU) and counts only well-formed entities. An entity is correct when its type and both
 * boundaries match; scores are per type, micro- and macro-averaged, and a zero denominator gives 0
 * (seqeval's {@code zero_division="warn"} values; also the macro average of no types at all, which
 * seqeval leaves NaN).
 */
public final class Seqeval {

    /** How tags become entities. */
    public enum Mode {
        /** conlleval-style chunking, seqeval's default (and HF's {@code evaluate} metric's). */
        DEFAULT,
        /** Only entities well-formed under the scheme ({@code mode="strict"}). */
        STRICT
    }

    /** Tagging schemes of strict mode, as seqeval names them. */
    public enum Scheme {
        /** Inside-outside, {@code B-} only between adjacent entities of one type. */
        IOB1(
                EnumSet.of(Prefix.I, Prefix.O, Prefix.B),
                patterns(
                        p(Prefix.O, Prefix.I, Cond.ANY),
                        p(Prefix.I, Prefix.I, Cond.DIFF),
                        p(Prefix.B, Prefix.I, Cond.ANY),
                        p(Prefix.I, Prefix.B, Cond.SAME),
                        p(Prefix.B, Prefix.B, Cond.SAME)),
                patterns(p(Prefix.B, Prefix.I, Cond.SAME), p(Prefix.I, Prefix.I, Cond.SAME)),
                patterns(
                        p(Prefix.I, Prefix.I, Cond.DIFF),
                        p(Prefix.I, Prefix.O, Cond.ANY),
                        p(Prefix.I, Prefix.B, Cond.ANY),
                        p(Prefix.B, Prefix.O, Cond.ANY),
                        p(Prefix.B, Prefix.I, Cond.DIFF),
                        p(Prefix.B, Prefix.B, Cond.SAME))),
        /** Inside-outside with {@code E-} only between adjacent entities of one type. */
        IOE1(
                EnumSet.of(Prefix.I, Prefix.O, Prefix.E),
                patterns(
                        p(Prefix.O, Prefix.I, Cond.ANY),
                        p(Prefix.I, Prefix.I, Cond.DIFF),
                        p(Prefix.E, Prefix.I, Cond.ANY),
                        p(Prefix.E, Prefix.E, Cond.SAME)),
                patterns(p(Prefix.I, Prefix.I, Cond.SAME), p(Prefix.I, Prefix.E, Cond.SAME)),
                patterns(
                        p(Prefix.I, Prefix.I, Cond.DIFF),
                        p(Prefix.I, Prefix.O, Cond.ANY),
                        p(Prefix.I, Prefix.E, Cond.DIFF),
                        p(Prefix.E, Prefix.I, Cond.SAME),
                        p(Prefix.E, Prefix.E, Cond.SAME))),
        /** {@code B-} on every entity's first word (CoNLL-2003 as HF datasets ship it). */
        IOB2(
                EnumSet.of(Prefix.I, Prefix.O, Prefix.B),
                patterns(pAny(Prefix.B)),
                patterns(p(Prefix.B, Prefix.I, Cond.SAME), p(Prefix.I, Prefix.I, Cond.SAME)),
                patterns(
                        p(Prefix.I, Prefix.O, Cond.ANY),
                        p(Prefix.I, Prefix.I, Cond.DIFF),
                        p(Prefix.I, Prefix.B, Cond.ANY),
                        p(Prefix.B, Prefix.O, Cond.ANY),
                        p(Prefix.B, Prefix.I, Cond.DIFF),
                        p(Prefix.B, Prefix.B, Cond.ANY))),
        /** {@code E-} on every entity's last word. */
        IOE2(
                EnumSet.of(Prefix.I, Prefix.O, Prefix.E),
                patterns(
                        p(Prefix.O, Prefix.I, Cond.ANY),
                        p(Prefix.O, Prefix.E, Cond.ANY),
                        p(Prefix.E, Prefix.I, Cond.ANY),
                        p(Prefix.E, Prefix.E, Cond.ANY),
                        p(Prefix.I, Prefix.I, Cond.DIFF),
                        p(Prefix.I, Prefix.E, Cond.DIFF)),
                patterns(p(Prefix.I, Prefix.E, Cond.SAME), p(Prefix.I, Prefix.I, Cond.SAME)),
                patterns(pPrevAny(Prefix.E))),
        /** Begin, inside, end, single ({@code S-}), outside. */
        IOBES(
                EnumSet.of(Prefix.I, Prefix.O, Prefix.B, Prefix.E, Prefix.S),
                patterns(pAny(Prefix.B), pAny(Prefix.S)),
                patterns(
                        p(Prefix.B, Prefix.I, Cond.SAME),
                        p(Prefix.B, Prefix.E, Cond.SAME),
                        p(Prefix.I, Prefix.I, Cond.SAME),
                        p(Prefix.I, Prefix.E, Cond.SAME)),
                patterns(pPrevAny(Prefix.S), pPrevAny(Prefix.E))),
        /** Begin, inside, last, unit ({@code U-}), outside. */
        BILOU(
                EnumSet.of(Prefix.B, Prefix.I, Prefix.L, Prefix.O, Prefix.U),
                patterns(pAny(Prefix.B), pAny(Prefix.U)),
                patterns(
                        p(Prefix.B, Prefix.I, Cond.SAME),
                        p(Prefix.B, Prefix.L, Cond.SAME),
                        p(Prefix.I, Prefix.I, Cond.SAME),
                        p(Prefix.I, Prefix.L, Cond.SAME)),
                patterns(pPrevAny(Prefix.U), pPrevAny(Prefix.L)));

        private final Set<Prefix> allowed;
        private final List<Pattern> start;
        private final List<Pattern> inside;
        private final List<Pattern> end;

        Scheme(Set<Prefix> allowed, List<Pattern> start, List<Pattern> inside, List<Pattern> end) {
            this.allowed = allowed;
            this.start = start;
            this.inside = inside;
            this.end = end;
        }

        /** The scheme named {@code name}, case-insensitively. */
        public static Scheme parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "unknown tag scheme '"
                                + name
                                + "'; choose one of "
                                + java.util.Arrays.toString(values()),
                        e);
            }
        }
    }

    /**
     * One entity.
     *
     * @param sentence the sentence index (default mode: 0, offsets run over all sentences)
     * @param type the entity type, e.g. {@code PER}
     * @param start its first word
     * @param end one past its last word
     */
    public record Entity(int sentence, String type, int start, int end) {}

    /**
     * Precision, recall, F1 and support (gold entities) of one entity type.
     *
     * @param precision correct / predicted
     * @param recall correct / gold
     * @param f1 harmonic mean of the two
     * @param support gold entities of the type
     */
    public record TypeScore(double precision, double recall, double f1, long support) {}

    /**
     * What {@link #evaluate} measured.
     *
     * @param precision micro-averaged precision over all types
     * @param recall micro-averaged recall
     * @param f1 micro-averaged F1 (seqeval's {@code f1_score} default)
     * @param macroF1 unweighted mean of the per-type F1
     * @param accuracy share of words whose tag is right ({@code accuracy_score})
     * @param types per entity type, sorted by name
     */
    public record Scores(
            double precision,
            double recall,
            double f1,
            double macroF1,
            double accuracy,
            Map<String, TypeScore> types) {

        /** Copies the map. */
        public Scores {
            types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
        }
    }

    enum Prefix {
        I,
        O,
        B,
        E,
        S,
        U,
        L
    }

    private enum Cond {
        SAME,
        DIFF,
        ANY
    }

    private record Pattern(Set<Prefix> previous, Set<Prefix> current, Cond cond) {}

    private static Pattern p(Prefix previous, Prefix current, Cond cond) {
        return new Pattern(EnumSet.of(previous), EnumSet.of(current), cond);
    }

    private static Pattern pAny(Prefix current) {
        return new Pattern(EnumSet.allOf(Prefix.class), EnumSet.of(current), Cond.ANY);
    }

    private static Pattern pPrevAny(Prefix previous) {
        return new Pattern(EnumSet.of(previous), EnumSet.allOf(Prefix.class), Cond.ANY);
    }

    private static List<Pattern> patterns(Pattern... ps) {
        return List.of(ps);
    }

    private Seqeval() {}

    /**
     * Scores {@code predicted} against {@code gold}, sentence by sentence.
     *
     * @param scheme the scheme of strict mode, or null to detect it as seqeval does (IOB2, IOE2,
     *     IOBES or BILOU); ignored by the default mode
     * @throws IllegalArgumentException when the sentences or their lengths differ, or (strict) a
     *     tag is not of the scheme
     */
    public static Scores evaluate(
            List<List<String>> gold, List<List<String>> predicted, Mode mode, Scheme scheme) {
        if (gold.size() != predicted.size()) {
            throw new IllegalArgumentException(
                    gold.size() + " gold sentences but " + predicted.size() + " predicted");
        }
        long correctTags = 0;
        long tags = 0;
        for (int s = 0; s < gold.size(); s++) {
            if (gold.get(s).size() != predicted.get(s).size()) {
                throw new IllegalArgumentException(
                        "sentence "
                                + s
                                + " has "
                                + gold.get(s).size()
                                + " gold tags but "
                                + predicted.get(s).size()
                                + " predicted");
            }
            for (int i = 0; i < gold.get(s).size(); i++) {
                correctTags += gold.get(s).get(i).equals(predicted.get(s).get(i)) ? 1 : 0;
                tags++;
            }
        }
        Set<Entity> goldEntities;
        Set<Entity> predictedEntities;
        if (mode == Mode.STRICT) {
            Scheme sc = scheme != null ? scheme : detect(gold);
            goldEntities = new HashSet<>(strictEntities(gold, sc));
            predictedEntities = new HashSet<>(strictEntities(predicted, sc));
        } else {
            goldEntities = new HashSet<>(entities(gold));
            predictedEntities = new HashSet<>(entities(predicted));
        }
        TreeSet<String> names = new TreeSet<>();
        goldEntities.forEach(e -> names.add(e.type()));
        predictedEntities.forEach(e -> names.add(e.type()));
        Map<String, TypeScore> types = new TreeMap<>();
        long tp = 0;
        long predictedCount = 0;
        long goldCount = 0;
        double f1Sum = 0;
        for (String name : names) {
            long t = 0;
            long p = 0;
            long g = 0;
            for (Entity e : predictedEntities) {
                if (e.type().equals(name)) {
                    p++;
                    t += goldEntities.contains(e) ? 1 : 0;
                }
            }
            for (Entity e : goldEntities) {
                g += e.type().equals(name) ? 1 : 0;
            }
            TypeScore score = score(t, p, g);
            types.put(name, score);
            f1Sum += score.f1();
            tp += t;
            predictedCount += p;
            goldCount += g;
        }
        TypeScore micro = score(tp, predictedCount, goldCount);
        return new Scores(
                micro.precision(),
                micro.recall(),
                micro.f1(),
                names.isEmpty() ? 0 : f1Sum / names.size(),
                tags == 0 ? 0 : (double) correctTags / tags,
                types);
    }

    private static TypeScore score(long tp, long predicted, long gold) {
        double precision = predicted == 0 ? 0 : (double) tp / predicted;
        double recall = gold == 0 ? 0 : (double) tp / gold;
        double denominator = precision + recall;
        double f1 = denominator == 0 ? 0 : 2 * precision * recall / denominator;
        return new TypeScore(precision, recall, f1, gold);
    }

    /**
     * The entities of the default mode: seqeval's {@code get_entities} over all sentences joined,
     * each followed by an {@code O} (which is what seqeval does with a list of sentences), with
     * word offsets into that joined sequence and {@code end} exclusive.
     */
    public static List<Entity> entities(List<List<String>> sentences) {
        List<String> flat = new ArrayList<>();
        for (List<String> s : sentences) {
            flat.addAll(s);
            flat.add("O");
        }
        flat.add("O");
        List<Entity> chunks = new ArrayList<>();
        char prevTag = 'O';
        String prevType = "";
        int begin = 0;
        for (int i = 0; i < flat.size(); i++) {
            String chunk = flat.get(i);
            char tag = chunk.isEmpty() ? '\0' : chunk.charAt(0);
            // chunk[1:].split('-', maxsplit=1)[-1] or '_'
            String rest = chunk.isEmpty() ? "" : chunk.substring(1);
            int dash = rest.indexOf('-');
            String type = dash < 0 ? rest : rest.substring(dash + 1);
            if (type.isEmpty()) {
                type = "_";
            }
            if (endOfChunk(prevTag, tag, prevType, type)) {
                chunks.add(new Entity(0, prevType, begin, i));
            }
            if (startOfChunk(prevTag, tag, prevType, type)) {
                begin = i;
            }
            prevTag = tag;
            prevType = type;
        }
        return chunks;
    }

    private static boolean endOfChunk(char prevTag, char tag, String prevType, String type) {
        boolean end = prevTag == 'E' || prevTag == 'S';
        if ((prevTag == 'B' || prevTag == 'I') && (tag == 'B' || tag == 'S' || tag == 'O')) {
            end = true;
        }
        if (prevTag != 'O' && prevTag != '.' && !prevType.equals(type)) {
            end = true;
        }
        return end;
    }

    private static boolean startOfChunk(char prevTag, char tag, String prevType, String type) {
        boolean start = tag == 'B' || tag == 'S';
        if ((prevTag == 'E' || prevTag == 'S' || prevTag == 'O') && (tag == 'E' || tag == 'I')) {
            start = true;
        }
        if (tag != 'O' && tag != '.' && !prevType.equals(type)) {
            start = true;
        }
        return start;
    }

    /** A tag read by a scheme: its prefix and its type ({@code token[1:].strip('-') or '_'}). */
    private record Token(String text, Prefix prefix, String type) {

        static Token of(String text) {
            Prefix prefix = text.isEmpty() ? null : prefixOf(text.charAt(0));
            if (prefix == null) {
                throw new IllegalArgumentException(
                        "tag '"
                                + text
                                + "' does not start with a scheme prefix (B, I, O, E, S, U or L)");
            }
            String type = stripDashes(text.substring(1));
            return new Token(text, prefix, type.isEmpty() ? "_" : type);
        }

        boolean matches(Token previous, List<Pattern> patterns) {
            for (Pattern p : patterns) {
                if (p.previous().contains(previous.prefix())
                        && p.current().contains(prefix)
                        && switch (p.cond()) {
                            case ANY -> true;
                            case SAME -> previous.type().equals(type);
                            case DIFF -> !previous.type().equals(type);
                        }) {
                    return true;
                }
            }
            return false;
        }
    }

    private static Prefix prefixOf(char c) {
        for (Prefix p : Prefix.values()) {
            if (p.name().charAt(0) == c) {
                return p;
            }
        }
        return null;
    }

    private static String stripDashes(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && s.charAt(a) == '-') {
            a++;
        }
        while (b > a && s.charAt(b - 1) == '-') {
            b--;
        }
        return s.substring(a, b);
    }

    /**
     * The entities of strict mode: seqeval's {@code Tokens(...).entities} of each sentence under
     * {@code scheme}, {@code end} exclusive.
     *
     * @throws IllegalArgumentException when a tag's prefix is not of the scheme
     */
    public static List<Entity> strictEntities(List<List<String>> sentences, Scheme scheme) {
        List<Entity> out = new ArrayList<>();
        Token outside = Token.of("O");
        for (int s = 0; s < sentences.size(); s++) {
            List<Token> tokens = new ArrayList<>();
            for (String t : sentences.get(s)) {
                tokens.add(Token.of(t));
            }
            int n = tokens.size();
            tokens.add(outside);
            int i = 0;
            Token prev = outside;
            while (i < tokens.size()) {
                Token token = tokens.get(i);
                if (!scheme.allowed.contains(token.prefix())) {
                    throw new IllegalArgumentException(
                            "tag '"
                                    + token.text()
                                    + "' is not a tag of the "
                                    + scheme
                                    + " scheme (its prefixes are "
                                    + scheme.allowed
                                    + ")");
                }
                if (token.matches(prev, scheme.start)) {
                    int end = forward(tokens, i + 1, token, scheme, n);
                    if (tokens.get(end).matches(tokens.get(end - 1), scheme.end)) {
                        out.add(new Entity(s, token.type(), i, end));
                    }
                    i = end;
                } else {
                    i++;
                }
                prev = tokens.get(i - 1);
            }
        }
        return out;
    }

    private static int forward(List<Token> tokens, int start, Token prev, Scheme scheme, int n) {
        for (int i = start; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            if (token.matches(prev, scheme.inside)) {
                prev = token;
            } else {
                return i;
            }
        }
        return n - 1;
    }

    /**
     * The scheme of {@code sentences} as seqeval's {@code auto_detect} finds it from the set of
     * prefixes used: IOB2, IOE2, IOBES or BILOU.
     *
     * @throws IllegalArgumentException when the prefixes fit none of them
     */
    public static Scheme detect(List<List<String>> sentences) {
        Set<Prefix> used = EnumSet.noneOf(Prefix.class);
        for (List<String> s : sentences) {
            for (String t : s) {
                used.add(Token.of(t).prefix());
            }
        }
        if (fits(used, "IOB", "IB", "BO", "B")) {
            return Scheme.IOB2;
        }
        if (fits(used, "IOE", "IE", "EO", "E")) {
            return Scheme.IOE2;
        }
        if (fits(used, "IOBES", "IBES", "IOBE", "OBES", "IBE", "BES", "OBE", "BE", "S")) {
            return Scheme.IOBES;
        }
        if (fits(used, "IOBLU", "IBLU", "IOBL", "OBLU", "IBL", "BLU", "OBL", "BL", "U")) {
            return Scheme.BILOU;
        }
        throw new IllegalArgumentException(
                "the tags use the prefixes "
                        + used
                        + ", which fit none of IOB2, IOE2, IOBES and BILOU; name the scheme");
    }

    private static boolean fits(Set<Prefix> used, String... allowedSets) {
        for (String a : allowedSets) {
            Set<Prefix> set = EnumSet.noneOf(Prefix.class);
            for (char c : a.toCharArray()) {
                set.add(prefixOf(c));
            }
            if (set.equals(used)) {
                return true;
            }
        }
        return false;
    }
}
