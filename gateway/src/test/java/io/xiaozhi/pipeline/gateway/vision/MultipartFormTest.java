package io.xiaozhi.pipeline.gateway.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MultipartFormTest {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsTheBoundaryFromTheContentType() {
        assertThat(MultipartForm.boundary("multipart/form-data; boundary=abc")).contains("abc");
        assertThat(MultipartForm.boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b\"")).contains("a b");
        assertThat(MultipartForm.boundary("multipart/form-data")).isEmpty();
        assertThat(MultipartForm.boundary("application/json; boundary=abc")).isEmpty();
        assertThat(MultipartForm.boundary(null)).isEmpty();
    }

    @Test
    void readsPartsWithTheirNamesFileNamesAndTypes() throws Exception {
        MultipartForm form = MultipartForm.parse(bytes("preamble\r\n--XY\r\nContent-Disposition: form-data; name=\"question\"\r\n\r\n"
                + "two\r\nlines\r\n--XY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"camera.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n--X-not-the-boundary\r\n--XY--\r\n"), "XY");
        assertThat(form.part("question").orElseThrow().text()).isEqualTo("two\r\nlines");
        MultipartForm.Part file = form.part("file").orElseThrow();
        assertThat(file.filename()).isEqualTo("camera.jpg");
        assertThat(file.contentType()).isEqualTo("image/jpeg");
        assertThat(file.text()).isEqualTo("--X-not-the-boundary");
        assertThat(form.part("other")).isEmpty();
    }

    @Test
    void refusesWhatIsNotAForm() {
        assertThatThrownBy(() -> MultipartForm.parse(bytes("no boundary here"), "XY"))
                .isInstanceOf(MultipartForm.MalformedFormException.class).hasMessageContaining("opening boundary");
        assertThatThrownBy(() -> MultipartForm.parse(bytes("--XY\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\nvalue"), "XY"))
                .isInstanceOf(MultipartForm.MalformedFormException.class).hasMessageContaining("cut off");
        assertThatThrownBy(() -> MultipartForm.parse(bytes("--XY\r\nContent-Type: text/plain\r\n\r\nvalue\r\n--XY--"), "XY"))
                .isInstanceOf(MultipartForm.MalformedFormException.class).hasMessageContaining("no field name");
        assertThatThrownBy(() -> MultipartForm.parse(bytes("--XYjunk\r\n\r\n"), "XY"))
                .isInstanceOf(MultipartForm.MalformedFormException.class).hasMessageContaining("line end");
    }
}
