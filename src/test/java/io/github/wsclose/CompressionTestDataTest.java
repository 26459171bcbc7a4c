package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The payload files of sections 12 and 13 are the suite's, byte for byte, and are cut into
 * messages as the suite cuts them: the SHA-1s below are of the files in crossbario/autobahn-testsuite
 * ({@code autobahntestsuite/autobahntestsuite/testdata/}) and of messages cut from them by the
 * suite's {@code sendOne} (case12_x_x.py).
 */
class CompressionTestDataTest {

    @ParameterizedTest
    @CsvSource({
        "JSON,   194056,  194056,  29a6391ee3ef8be4e76625707124af339ccc73bb",
        "BITMAP, 263222,  263222,  f1aef32df26d8a750d2d68dc455d9930f4db621d",
        "BOOK,   222218,  222218,  92183e58d19126b4caf19fafd78ef4511b3260c8",
        "HTML,   263647,  263620,  1fdd46e75af0e5e5f246b2b1cf0956b1bb2e4a75",
        "PDF,    1042328, 1042328, 22ec22672f9d79b655bddf2eec4c6e405e8742b2",
    })
    void theSuitesFiles(CompressionTestData data, int bytes, int units, String sha1) throws Exception {
        assertThat(data.bytes()).hasSize(bytes);
        assertThat(sha1(data.bytes())).as(data.file()).isEqualTo(sha1);
        assertThat(data.units()).as("bytes of a binary file, characters of a text file").isEqualTo(units);
    }

    @ParameterizedTest
    @CsvSource({
        "HTML, 0, 131072, 131072, ae72a93bc8e8e669088ffbd2b3c1a115c419eab3",
        "HTML, 1, 131072, 131099, 4678738fcf97bd9654a66440ed6ae714a9b7b79e", // characters, not bytes: 27 bytes more
        "HTML, 2, 131072, 131072, 1b1d1f0574ffce92062143a891ebdadfe546edc8", // wraps round
        "PDF,  6, 131072, 131072, 496bf3c8ecd67de49e394a331b631cd9d7a9ab6f",
        "PDF,  7, 131072, 131072, f06957ed1a83bd5038a0afc54a6e2eddfd8a97dd", // wraps round
        "PDF,  8, 131072, 131072, 58185f5ea9c773c908302374d0a6c33aea1e26c1",
    })
    void messagesCutAsTheSuiteCutsThem(CompressionTestData data, int i, int size, int bytes, String sha1) throws Exception {
        byte[] message = data.slice(i, size);
        assertThat(message).hasSize(bytes);
        assertThat(sha1(message)).isEqualTo(sha1);
    }

    private static String sha1(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
    }
}
