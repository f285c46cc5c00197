using Xunit;
using System.Text;
using Berth.Cli.Formatting;
using Berth.EngineApi.Models;

namespace Berth.Cli.Tests;

/// <summary>
/// The JSON message renderer against docker itself: Streams/*.jsonl were recorded from dockerd
/// (pull and push through a local registry), and *.plain.txt / *.tty150.txt / *.tty80.txt are
/// what docker CLI 28 printed for exactly those bytes, piped and on a pty of 150 and 80 columns
/// (captured with <c>stty -onlcr</c> so line ends are the CLI's own).
/// </summary>
public class ProgressRenderingTests
{
    private const string PulledReference = "127.0.0.1:52911/multi:v1\n";
    private const string MissingTag = "An image does not exist locally with the tag: 127.0.0.1:52911/none\n";

    public static TheoryData<string, string, string> Cases => new()
    {
        // stream, golden, what the CLI prints after the stream (the pulled reference, or the error)
        { "pull-multi", "plain", PulledReference },
        { "pull-multi", "tty150", PulledReference },
        { "pull-multi", "tty80", PulledReference },
        { "push-multi", "plain", "" },
        { "push-multi", "tty150", "" },
        { "push-multi", "tty80", "" },
        { "push-missing", "plain", MissingTag },
        { "push-missing", "tty80", MissingTag },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RendersLikeTheDockerCli(string stream, string mode, string after)
    {
        var display = mode == "plain" ? MessageDisplay.Plain : new MessageDisplay(true, int.Parse(mode[3..]));
        var (rendered, error) = await RenderAsync(File.ReadAllBytes(Path.Combine("Streams", stream + ".jsonl")), display);
        var expected = File.ReadAllText(Path.Combine("Streams", $"{stream}.{mode}.txt"));
        Assert.Equal(expected, rendered + (error is null ? "" : error + "\n") + (error is null ? after : ""));
        Assert.Equal(after == MissingTag, error is not null);
    }

    [Fact]
    public async Task PlainOutputLeavesOutBarsAndAux()
    {
        var lines = """
            {"status":"Pushing","progressDetail":{"current":5,"total":10},"progress":"[==>  ] 5B/10B","id":"abc"}
            {"status":"Pushed","progressDetail":{},"id":"abc"}
            {"progressDetail":{},"aux":{"Tag":"v1","Digest":"sha256:00","Size":1}}
            {"stream":"Loaded image: x:y\n"}
            """;
        var seen = new List<JsonMessage>();
        var (rendered, error) = await RenderAsync(Encoding.UTF8.GetBytes(lines), MessageDisplay.Plain with { OnAux = seen.Add });
        Assert.Null(error);
        Assert.Equal("abc: Pushed\nLoaded image: x:y\n", rendered);
        Assert.Single(seen);
    }

    [Fact]
    public async Task AMessageWithoutProgressStartsANewBlockOfLines()
    {
        // pull -a: the second tag's layers must not move the cursor into the first tag's lines.
        var lines = """
            {"status":"Pulling from a","id":"v1"}
            {"status":"Pulling fs layer","progressDetail":{},"id":"l1"}
            {"status":"Digest: sha256:00"}
            {"status":"Pulling fs layer","progressDetail":{},"id":"l2"}
            """;
        var (rendered, _) = await RenderAsync(Encoding.UTF8.GetBytes(lines), new MessageDisplay(true, 80));
        Assert.Equal("v1: Pulling from a\n\n\x1b[1A\x1b[2K\rl1: Pulling fs layer \r\x1b[1BDigest: sha256:00\n\n\x1b[1A\x1b[2K\rl2: Pulling fs layer \r\x1b[1B", rendered);
    }

    [Fact]
    public async Task ErrorDetailOrErrorStopsTheStream()
    {
        var (_, detail) = await RenderAsync("{\"errorDetail\":{\"message\":\"denied\"},\"error\":\"denied (old)\"}\n{\"status\":\"after\"}\n"u8.ToArray(), MessageDisplay.Plain);
        Assert.Equal("denied", detail);
        var (_, plain) = await RenderAsync("{\"error\":\"only the old field\"}\n"u8.ToArray(), MessageDisplay.Plain);
        Assert.Equal("only the old field", plain);
    }

    [Theory]
    [InlineData(0, 0, 200, "")]
    [InlineData(5000, 0, 200, "     5kB")]
    [InlineData(66048, 6000000, 200, "[>                                                  ]  66.05kB/6MB")]
    [InlineData(3001856, 3000000, 200, "[==================================================>]  3.002MB")]
    [InlineData(1069683, 1069683, 111, "[==================================================>]   1.07MB/1.07MB")]
    [InlineData(1069683, 1069683, 110, "  1.07MB/1.07MB")]
    public void ProgressTextBar(long current, long total, int width, string expected)
    {
        Assert.Equal(expected, ProgressText.Format(new JsonProgress { Current = current, Total = total }, width, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void ProgressTextWithUnitsHiddenCountsAndTimeLeft()
    {
        Assert.Equal("3/10 layers", ProgressText.Format(new JsonProgress { Current = 3, Total = 10, Units = "layers" }, 80, default));
        Assert.Equal("12 layers", ProgressText.Format(new JsonProgress { Current = 12, Total = 10, Units = "layers" }, 80, default));
        Assert.Equal("", ProgressText.Format(new JsonProgress { Current = 3, Total = 10, HideCounts = true }, 80, default));
        // 25 of 100 bytes in 10 s: 30 s to go.
        var start = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        Assert.Equal("[" + new string('=', 12) + ">" + new string(' ', 38) + "]      25B/100B 30s",
            ProgressText.Format(new JsonProgress { Current = 25, Total = 100, Start = start.ToUnixTimeSeconds() }, 200, start.AddSeconds(10)));
        Assert.Equal("1h1m5s", ProgressText.GoDuration(3665_000_000_000));
        Assert.Equal("2m0s", ProgressText.GoDuration(120_000_000_000));
        Assert.Equal("0s", ProgressText.GoDuration(0));
    }

    private static async Task<(string Output, string? Error)> RenderAsync(byte[] stream, MessageDisplay display)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = await JsonMessageRenderer.RenderAsync(new MemoryStream(stream), output, CancellationToken.None, display);
        return (output.ToString(), error);
    }
}
