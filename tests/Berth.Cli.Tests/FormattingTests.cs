using Berth.Cli.Commands.Containers;
using Berth.Cli.Formatting;
using Berth.EngineApi.Formatting;
using Berth.EngineApi.Models;
using Xunit;

namespace Berth.Cli.Tests;

public class FormattingTests
{
    [Theory]
    [InlineData(0, "0B")]
    [InlineData(999, "999B")]
    [InlineData(1883, "1.88kB")]
    [InlineData(1984132, "1.98MB")]
    [InlineData(4261234, "4.26MB")]
    [InlineData(1_000_000, "1MB")]
    [InlineData(72_900_000_000, "72.9GB")]
    public void HumanSize(long bytes, string expected) => Assert.Equal(expected, DockerUnits.HumanSize(bytes));

    [Theory]
    [InlineData(0, "Less than a second")]
    [InlineData(1, "1 second")]
    [InlineData(3, "3 seconds")]
    [InlineData(59, "59 seconds")]
    [InlineData(60, "About a minute")]
    [InlineData(119, "About a minute")]
    [InlineData(120, "2 minutes")]
    [InlineData(3599, "59 minutes")]
    [InlineData(3600, "About an hour")]
    [InlineData(5399, "About an hour")]
    [InlineData(5400, "2 hours")]
    [InlineData(47 * 3600, "47 hours")]
    [InlineData(48 * 3600, "2 days")]
    [InlineData(14 * 86400, "2 weeks")]
    [InlineData(60 * 86400, "2 months")]
    [InlineData(800 * 86400, "2 years")]
    public void HumanDuration(long seconds, string expected) => Assert.Equal(expected, DockerUnits.HumanDuration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void ContainerStatusTexts()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.Equal("Up Less than a second", DockerUnits.ContainerStatus("running", 0, now, default, now));
        Assert.Equal("Up 3 seconds", DockerUnits.ContainerStatus("running", 0, now.AddSeconds(-3), default, now));
        Assert.Equal("Exited (137) About a minute ago", DockerUnits.ContainerStatus("exited", 137, now.AddMinutes(-2), now.AddSeconds(-70), now));
        Assert.Equal("Created", DockerUnits.ContainerStatus("created", 0, default, default, now));
        Assert.Equal("Up 2 minutes (Paused)", DockerUnits.ContainerStatus("paused", 0, now.AddMinutes(-2), default, now));
    }

    [Fact]
    public void GoTabwriterWithDockerSettings()
    {
        var tw = new TabWriter();
        tw.Write("CONTAINER ID\tIMAGE\tPORTS\tNAMES\n4da44e352673\tbusybox\t\tt1\n");
        Assert.Equal("CONTAINER ID   IMAGE     PORTS     NAMES\n4da44e352673   busybox             t1\n", tw.Flush());
    }

    [Fact]
    public void TabwriterCountsRunesNotBytes()
    {
        var tw = new TabWriter();
        tw.Write("COMMAND\tX\n\"sh -c 'echo hi; exi…\"\ty\n");
        Assert.Equal("COMMAND".PadRight(25) + "X\n\"sh -c 'echo hi; exi…\"   y\n", tw.Flush());
    }

    [Fact]
    public void CommandIsQuotedAndTruncated()
    {
        var row = PsCommand.Row(new ContainerSummary { Id = new string('a', 64), Command = "sh -c 'echo hi; exit 3'", Names = ["/t1"] }, true, DateTimeOffset.UtcNow);
        Assert.Equal("\"sh -c 'echo hi; exi…\"", row.Json.GetProperty("Command").GetString());
        Assert.Equal("aaaaaaaaaaaa", row.Json.GetProperty("ID").GetString());
        Assert.Equal("t1", row.Json.GetProperty("Names").GetString());
    }

    [Fact]
    public void PortsDisplay() =>
        Assert.Equal("0.0.0.0:8080->80/tcp, 443/tcp", PsCommand.DisplayPorts(
        [
            new Port { PrivatePort = 443, Type = "tcp" },
            new Port { IP = "0.0.0.0", PrivatePort = 80, PublicPort = 8080, Type = "tcp" },
        ]));

    [Fact]
    public void GoJsonIndentLikeDockerInspect()
    {
        var text = GoJson.Indent("[{\"a\":[],\"b\":{},\"c\":[1,2],\"d\":\"x\\u0026y\"}]");
        Assert.Equal("[\n    {\n        \"a\": [],\n        \"b\": {},\n        \"c\": [\n            1,\n            2\n        ],\n        \"d\": \"x\\u0026y\"\n    }\n]", text);
        Assert.Equal("[]", GoJson.Indent("[]"));
    }

    [Theory]
    [InlineData("exec: \"nosuch\": executable file not found in $PATH: unknown", 127)]
    [InlineData("exec: \"/etc/passwd\": stat /etc/passwd: no such file or directory: unknown", 127)]
    [InlineData("exec: \"/etc\": permission denied: unknown", 126)]
    [InlineData("cannot run executable", 126)]
    [InlineData("Conflict. The container name \"/x\" is already in use", 125)]
    public void RunExitCodes(string message, int code) => Assert.Equal(code, RunCommand.ExitCodeForStartError(message));

    [Theory]
    [InlineData("42m", 42 * 60)]
    [InlineData("1h30m", 90 * 60)]
    [InlineData("10s", 10)]
    public void LogsSinceDurations(string value, int seconds)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        Assert.Equal($"{1_800_000_000 - seconds}.000000000", LogsCommand.ToTimestamp(value, now));
    }

    [Fact]
    public void LogsSinceRfc3339AndUnix()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.Equal("1357133017.000000000", LogsCommand.ToTimestamp("2013-01-02T13:23:37Z", now));
        Assert.Equal("1700000000.5", LogsCommand.ToTimestamp("1700000000.5", now));
    }

    [Fact]
    public void HostResolutionOrder()
    {
        string? Env(string k) => k switch { "BERTH_HOST" => "unix:///b.sock", "DOCKER_HOST" => "unix:///d.sock", _ => null };
        Assert.Equal("tcp://h:1", App.CliApp.ResolveHost("tcp://h:1", Env));
        Assert.Equal("unix:///b.sock", App.CliApp.ResolveHost(null, Env));
        Assert.Equal("unix:///d.sock", App.CliApp.ResolveHost(null, k => k == "DOCKER_HOST" ? "unix:///d.sock" : null));
        Assert.Equal("unix:///run/berth/berth.sock", App.CliApp.ResolveHost(null, _ => null));
    }
}
