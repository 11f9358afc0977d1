package dev.hubtune.tokenizers.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TextTokenizerTestSupport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetReaderTest {

    @TempDir Path dir;

    private List<Example> read(Path file, String text, String pair, String label) throws Exception {
        DatasetReader.Builder b = DatasetReader.builder().setFile(file).setTextColumn(text);
        if (pair != null) {
            b.optTextPairColumn(pair);
        }
        if (label != null) {
            b.optLabelColumn(label);
        }
        List<Example> out = new ArrayList<>();
        try (DatasetReader r = b.build()) {
            Optional<Example> e;
            while ((e = r.next()).isPresent()) {
                out.add(e.get());
            }
        }
        return out;
    }

    @Test
    void csvWithQuotingTsvAndJsonl() throws Exception {
        Path csv = dir.resolve("d.csv");
        Files.writeString(
                csv, "id,text,label\n1,\"hello, \"\"world\"\"\",pos\n2,\"multi\nline\",neg\n");
        List<Example> rows = read(csv, "text", null, "label");
        assertEquals(2, rows.size());
        assertEquals("hello, \"world\"", rows.get(0).text());
        assertEquals(Optional.of("pos"), rows.get(0).label());
        assertEquals("multi\nline", rows.get(1).text());

        Path tsv = dir.resolve("d.tsv");
        Files.writeString(tsv, "q\tctx\ty\nwhat?\tsome context\t1\n");
        Example t = read(tsv, "q", "ctx", "y").get(0);
        assertEquals(Optional.of("some context"), t.pair());

        Path jsonl = dir.resolve("d.jsonl");
        Files.writeString(
                jsonl, "{\"text\": \"a\", \"label\": 3}\n\n{\"text\": \"b\", \"label\": 4}\n");
        List<Example> j = read(jsonl, "text", null, "label");
        assertEquals(List.of("a", "b"), j.stream().map(Example::text).toList());
        assertEquals(Optional.of("3"), j.get(0).label());
        assertEquals(3, j.get(1).line());

        // a multi-label example's labels as a JSON array read as one comma-separated label
        Files.writeString(jsonl, "{\"text\": \"a\", \"labels\": [\"x\", \"y z\"]}\n");
        assertEquals(Optional.of("x,y z"), read(jsonl, "text", null, "labels").get(0).label());
    }

    @Test
    void badFilesGetErrorsThatSayWhereAndWhat() throws Exception {
        Path csv = dir.resolve("d.csv");
        Files.writeString(csv, "body,category\nhi,x\n");
        DatasetException missing =
                assertThrows(DatasetException.class, () -> read(csv, "text", null, "label"));
        assertTrue(
                missing.getMessage().contains("no column 'text'")
                        && missing.getMessage().contains("[body, category]"),
                missing.getMessage());

        Path empty = dir.resolve("empty.csv");
        Files.writeString(empty, "");
        assertTrue(
                assertThrows(DatasetException.class, () -> read(empty, "t", null, null))
                        .getMessage()
                        .contains("is empty"));

        Path ragged = dir.resolve("ragged.csv");
        Files.writeString(ragged, "text,label\nok,1\nbroken,1,extra\n");
        DatasetException r =
                assertThrows(DatasetException.class, () -> read(ragged, "text", null, "label"));
        assertTrue(
                r.getMessage().contains("line 3") && r.getMessage().contains("3 fields"),
                r.getMessage());

        Path badQuote = dir.resolve("quote.csv");
        Files.writeString(badQuote, "text,label\n\"unterminated,1\n");
        DatasetException q =
                assertThrows(DatasetException.class, () -> read(badQuote, "text", null, "label"));
        assertTrue(q.getMessage().contains("quote.csv"), q.getMessage());

        Path latin1 = dir.resolve("latin1.csv");
        Files.write(latin1, "text,label\ncaf\u00e9,1\n".getBytes(StandardCharsets.ISO_8859_1));
        DatasetException enc =
                assertThrows(DatasetException.class, () -> read(latin1, "text", null, "label"));
        assertTrue(enc.getMessage().contains("UTF-8"), enc.getMessage());
        try (DatasetReader ok =
                DatasetReader.builder()
                        .setFile(latin1)
                        .setTextColumn("text")
                        .optCharset(StandardCharsets.ISO_8859_1)
                        .build()) {
            assertEquals("caf\u00e9", ok.next().orElseThrow().text());
        }

        Path huge = dir.resolve("huge.csv");
        Files.writeString(huge, "text\n" + "x".repeat(2000) + "\n");
        try (DatasetReader h =
                DatasetReader.builder()
                        .setFile(huge)
                        .setTextColumn("text")
                        .optMaxChars(1000)
                        .build()) {
            DatasetException tooLong = assertThrows(DatasetException.class, h::next);
            assertTrue(tooLong.getMessage().contains("2000 characters"), tooLong.getMessage());
        }

        Path json = dir.resolve("bad.jsonl");
        Files.writeString(json, "{\"text\": \"a\"}\n{\"txt\": \"b\"}\n");
        DatasetException field =
                assertThrows(DatasetException.class, () -> read(json, "text", null, null));
        assertTrue(
                field.getMessage().contains("bad.jsonl:2") && field.getMessage().contains("[txt]"),
                field.getMessage());
    }

    @Test
    void aByteOrderMarkIsNotPartOfTheFirstColumnName() throws Exception {
        Path csv = dir.resolve("excel.csv");
        Files.write(csv, "\uFEFFtext,label\nhi,pos\n".getBytes(StandardCharsets.UTF_8));
        Example e = read(csv, "text", null, "label").get(0);
        assertEquals("hi", e.text());
        Path jsonl = dir.resolve("bom.jsonl");
        Files.write(jsonl, "\uFEFF{\"text\":\"a\"}\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("a", read(jsonl, "text", null, null).get(0).text());
    }

    @Test
    void invalidUtf8IsReportedAtItsLineWithoutAnOptionThatDoesNotExist() throws Exception {
        StringBuilder sb = new StringBuilder("text,label\n");
        for (int i = 2; i < 22; i++) {
            sb.append("row ").append(i).append(",a\n");
        }
        byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] bad = "caf\u00e9,b\nlast,a\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + bad.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bad, 0, all, head.length, bad.length);
        for (String name : new String[] {"l22.csv", "l22.jsonl"}) {
            Path f = dir.resolve(name);
            byte[] bytes = all;
            if (name.endsWith(".jsonl")) {
                StringBuilder j = new StringBuilder();
                for (int i = 1; i < 22; i++) {
                    j.append("{\"text\":\"row ").append(i).append("\"}\n");
                }
                byte[] jh = j.toString().getBytes(StandardCharsets.UTF_8);
                byte[] jb = "{\"text\":\"caf\u00e9\"}\n".getBytes(StandardCharsets.ISO_8859_1);
                bytes = new byte[jh.length + jb.length];
                System.arraycopy(jh, 0, bytes, 0, jh.length);
                System.arraycopy(jb, 0, bytes, jh.length, jb.length);
            }
            Files.write(f, bytes);
            DatasetException e =
                    assertThrows(
                            DatasetException.class,
                            () -> read(f, "text", null, name.endsWith(".csv") ? "label" : null));
            assertTrue(e.getMessage().contains("at line 22"), e.getMessage());
            assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
            assertTrue(!e.getMessage().contains("--encoding"), e.getMessage());
        }
        Path valid = dir.resolve("valid.csv");
        Files.write(valid, head);
        assertEquals(null, DatasetReader.firstMalformed(valid, StandardCharsets.UTF_8));
    }

    @Test
    void anEmptyLabelCellIsAnErrorNamingItsLine() throws Exception {
        Path csv = dir.resolve("d.csv");
        Files.writeString(csv, "text,label\na,1\nb,\n");
        DatasetException e =
                assertThrows(DatasetException.class, () -> read(csv, "text", null, "label"));
        assertTrue(
                e.getMessage().contains("line 3") && e.getMessage().contains("empty 'label'"),
                e.getMessage());
        try (DatasetReader r =
                DatasetReader.builder()
                        .setFile(csv)
                        .setTextColumn("text")
                        .optLabelColumn("label")
                        .optAllowEmptyLabels(true)
                        .build()) {
            r.next();
            assertEquals(Optional.of(""), r.next().orElseThrow().label());
        }
    }

    @Test
    void aJsonlTextOrLabelThatIsAnObjectIsAnErrorNamingTheField() throws Exception {
        Path jsonl = dir.resolve("o.jsonl");
        Files.writeString(
                jsonl, "{\"text\":\"ok\",\"label\":\"a\"}\n{\"text\":{\"x\":1},\"label\":\"a\"}\n");
        DatasetException text =
                assertThrows(DatasetException.class, () -> read(jsonl, "text", null, "label"));
        assertTrue(
                text.getMessage().contains("o.jsonl:2")
                        && text.getMessage().contains("'text' is an object"),
                text.getMessage());
        Files.writeString(jsonl, "{\"text\":\"ok\",\"label\":[{\"a\":1}]}\n");
        DatasetException label =
                assertThrows(DatasetException.class, () -> read(jsonl, "text", null, "label"));
        assertTrue(label.getMessage().contains("label field 'label'"), label.getMessage());
    }

    @Test
    void emptyTextsAreSkippedAndCounted() throws Exception {
        Path csv = dir.resolve("d.csv");
        Files.writeString(csv, "text,label\na,1\n\"  \",1\n,2\nb,2\n");
        try (DatasetReader r =
                DatasetReader.builder()
                        .setFile(csv)
                        .setTextColumn("text")
                        .optLabelColumn("label")
                        .build()) {
            List<String> texts = new ArrayList<>();
            for (Example e : r) {
                texts.add(e.text());
            }
            assertEquals(List.of("a", "b"), texts);
            assertEquals(2, r.skipped());
        }
    }

    @Test
    void labelsAreSortedSavedAndUnseenOnesRefused() throws Exception {
        LabelVocabulary numeric = LabelVocabulary.of(List.of("10", "2", "1", "2"));
        assertEquals(List.of("1", "2", "10"), numeric.labels());
        LabelVocabulary v = LabelVocabulary.of(List.of("spam", "ham"));
        assertEquals(0, v.id("ham", 1));
        DatasetException unseen = assertThrows(DatasetException.class, () -> v.id("eggs", 42));
        assertTrue(
                unseen.getMessage().contains("'eggs' at line 42")
                        && unseen.getMessage().contains("[ham, spam]"),
                unseen.getMessage());
        v.save(dir.resolve("labels.json"));
        assertEquals(v.labels(), LabelVocabulary.load(dir.resolve("labels.json")).labels());
        assertThrows(DatasetException.class, () -> LabelVocabulary.of(List.of()));
    }

    @Test
    void theSplitIsSeededAndNearTheFraction() {
        int validation = 0;
        for (long line = 1; line <= 10_000; line++) {
            boolean v = Split.isValidation(42, line, 0.2);
            assertEquals(v, Split.isValidation(42, line, 0.2));
            validation += v ? 1 : 0;
        }
        assertTrue(validation > 1800 && validation < 2200, validation + " of 10000");
        int differs = 0;
        for (long line = 1; line <= 1000; line++) {
            differs +=
                    Split.isValidation(42, line, 0.2) != Split.isValidation(43, line, 0.2) ? 1 : 0;
        }
        assertTrue(differs > 100, "another seed gives another split");
    }

    @Test
    void bucketingWastesLessPaddingThanFileOrder() throws Exception {
        Path csv = dir.resolve("d.csv");
        StringBuilder sb = new StringBuilder("text,label\n");
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 400; i++) {
            sb.append("hello world".repeat(1 + r.nextInt(12)).replace("dh", "d h"))
                    .append(',')
                    .append(i % 2)
                    .append('\n');
        }
        Files.writeString(csv, sb);
        Path model = TextTokenizerTestSupport.bertDir(Files.createDirectories(dir.resolve("m")));
        double bucketed;
        double plain;
        try (TextTokenizer tok = TextTokenizer.builder().setModelDir(model).build()) {
            bucketed = padding(csv, tok, 50);
            plain = padding(csv, tok, 1);
        }
        assertTrue(bucketed < plain / 2, "bucketed " + bucketed + " vs file order " + plain);
    }

    private static double padding(Path csv, TextTokenizer tok, int bucketBatches) throws Exception {
        List<Encoded> encoded = new ArrayList<>();
        try (DatasetReader r =
                DatasetReader.builder()
                        .setFile(csv)
                        .setTextColumn("text")
                        .optLabelColumn("label")
                        .build()) {
            Optional<Example> e;
            while ((e = r.next()).isPresent()) {
                encoded.add(tok.encode(e.get().text()));
            }
        }
        long rows = 0;
        long real = 0;
        long cells = 0;
        for (List<Encoded> batch :
                LengthBuckets.batches(encoded, Encoded::length, 8, bucketBatches, new Random(7))) {
            Batch padded = tok.pad(batch);
            rows += padded.batchSize();
            real += padded.realTokens();
            cells += (long) padded.batchSize() * padded.length();
        }
        assertEquals(400, rows);
        return 1.0 - (double) real / cells;
    }
}
