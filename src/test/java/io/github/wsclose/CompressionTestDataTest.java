package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The payload files of sections 12 and 13 that the tests keep are the suite's, byte for byte, and
 * are cut into messages as the suite cuts them; the two generated stand-ins have the lengths of
 * the files they stand for: the SHA-1s below are of the files in crossbario/autobahn-testsuite
 * ({@code autobahntestsuite/autobahntestsuite/testdata/}) and of messages cut from them by the
 * suite's {@code sendOne} (case12_x_x.py).
 */
class CompressionTestDataTest {

    @ParameterizedTest
    @CsvSource({
        "JSON,   194056,  194056,  29a6391ee3ef8be4e76625707124af339ccc73bb",
        "BOOK,   222218,  222218,  92183e58d19126b4caf19fafd78ef4511b3260c8",
        "HTML,   263647,  263620,  1fdd46e75af0e5e5f246b2b1cf0956b1bb2e4a75",
    })
    void theSuitesFiles(CompressionTestData data, int bytes, int units, String sha1) throws Exception {
        assertThat(data.bytes()).hasSize(bytes);
        assertThat(sha1(data.bytes())).as(data.file()).isEqualTo(sha1);
        assertThat(data.units()).as("bytes of a binary file, characters of a text file").isEqualTo(units);
    }

    @ParameterizedTest
    @CsvSource({"BITMAP, 263222", "PDF, 1042328"})
    void standInsHaveTheLengthOfTheSuitesFilesAndAreCutInBytes(CompressionTestData data, int bytes) {
        assertThat(data.file()).isNull();
        assertThat(data.bytes()).hasSize(bytes);
        assertThat(data.units()).isEqualTo(bytes);
        assertThat(data.slice(1, 4096)).isEqualTo(Arrays.copyOfRange(data.bytes(), 4096, 8192));
    }

    @ParameterizedTest
    @CsvSource({
        "HTML, 0, 131072, 131072, ae72a93bc8e8e669088ffbd2b3c1a115c419eab3",
        "HTML, 1, 131072, 131099, 4678738fcf97bd9654a66440ed6ae714a9b7b79e", // characters, not bytes: 27 bytes more
        "HTML, 2, 131072, 131072, 1b1d1f0574ffce92062143a891ebdadfe546edc8", // wraps round
        "BOOK, 0, 131072, 131072, cb664e985e427643509a3db6ee54b1587e682377",
        "BOOK, 1, 131072, 131072, 0eb579e40126118a91d81ad36bcc6c2874ef2e71", // wraps round
        "BOOK, 2, 131072, 131072, beff17efe66c8571733805bd80db86f747ea3f4e",
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
