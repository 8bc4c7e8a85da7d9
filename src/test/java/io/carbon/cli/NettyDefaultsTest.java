package io.carbon.cli;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class NettyDefaultsTest {

    @Test
    void eachEventLoopKeepsItsOwnBufferPoolWhateverTheHeapLimit() {
        Properties properties = new Properties();
        NettyDefaults.apply(properties);
        assertThat(properties.getProperty(NettyDefaults.LOW_MEMORY_ALLOCATOR)).isEqualTo("false");
    }

    @Test
    void theLeakDetectorSamplesOneBufferIn4096() {
        Properties properties = new Properties();
        NettyDefaults.apply(properties);
        assertThat(properties.getProperty(NettyDefaults.LEAK_SAMPLING_INTERVAL)).isEqualTo("4096");
    }

    @Test
    void nettyDoesNotLoadFlightRecorder() {
        Properties properties = new Properties();
        NettyDefaults.apply(properties);
        assertThat(properties.getProperty(NettyDefaults.JFR)).isEqualTo("false");
    }

    @Test
    void aSettingGivenOnTheCommandLineWins() {
        Properties properties = new Properties();
        properties.setProperty(NettyDefaults.LOW_MEMORY_ALLOCATOR, "true");
        properties.setProperty(NettyDefaults.LEAK_SAMPLING_INTERVAL, "1");
        NettyDefaults.apply(properties);
        assertThat(properties.getProperty(NettyDefaults.LOW_MEMORY_ALLOCATOR)).isEqualTo("true");
        assertThat(properties.getProperty(NettyDefaults.LEAK_SAMPLING_INTERVAL)).isEqualTo("1");
    }
}
