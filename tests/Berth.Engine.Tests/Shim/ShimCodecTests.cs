using System.Text;
using System.Text.Json;
using Berth.Core.Shim;
using Xunit;

namespace Berth.Engine.Tests.Shim;

/// <summary>The shim's hand-written JSON must be exactly what the source-generated context reads and writes.</summary>
public sealed class ShimCodecTests
{
    private static readonly DateTime Time = new DateTime(2026, 11, 28, 6, 14, 50, DateTimeKind.Utc).AddTicks(1234567);

    [Fact]
    public void RequestsWrittenByTheClientAreReadByTheShim()
    {
        var request = new ShimRequest(ShimOps.Attach, Signal: 9, Height: 30, Width: 100, Stdin: true, Stdout: false, Stderr: true);
        var json = JsonSerializer.SerializeToUtf8Bytes(request, ShimJsonContext.Default.ShimRequest);
        Assert.Equal(request, ShimCodec.ReadRequest(json));
        Assert.Equal(new ShimRequest("state"), ShimCodec.ReadRequest("{\"op\":\"state\",\"future\":{\"x\":[1]},\"signal\":null}"u8));
        Assert.Throws<JsonException>(() => ShimCodec.ReadRequest("{\"signal\":1}"u8));
    }

    [Fact]
    public void ResponsesWrittenByTheShimMatchTheContext()
    {
        foreach (var response in new[]
        {
            new ShimResponse(Ok: true),
            new ShimResponse(Error: "container is not running", Failure: ShimFailure.Conflict),
            new ShimResponse(Ok: true, Pid: 42, Status: ShimStatus.Exited, ExitCode: 137, StartedAt: Time, FinishedAt: Time.AddSeconds(1), OomKilled: false),
        })
        {
            var line = ShimCodec.WriteResponse(response);
            Assert.Equal((byte)'\n', line[^1]);
            Assert.Equal(JsonSerializer.Serialize(response, ShimJsonContext.Default.ShimResponse), Encoding.UTF8.GetString(line, 0, line.Length - 1));
            Assert.Equal(response, JsonSerializer.Deserialize(line.AsSpan(0, line.Length - 1), ShimJsonContext.Default.ShimResponse));
        }
    }

    [Fact]
    public void LaunchLineAndExitFileMatchTheContext()
    {
        var exit = new ShimExitFile(7, Time, false);
        Assert.Equal(exit, JsonSerializer.Deserialize(ShimCodec.WriteExitFile(exit).AsSpan()[..^1], ShimJsonContext.Default.ShimExitFile));
        Assert.Equal("{\"pid\":12}\n", Encoding.UTF8.GetString(ShimCodec.WriteLaunchResult(new ShimLaunchResult(Pid: 12))));
        var error = new ShimLaunchResult(Error: "exec: \"nope\": executable file not found in $PATH");
        Assert.Equal(error, JsonSerializer.Deserialize(ShimCodec.WriteLaunchResult(error).AsSpan()[..^1], ShimJsonContext.Default.ShimLaunchResult));
    }

    [Fact]
    public void RuntimeErrorsAreTakenFromErrorLinesOnly()
    {
        Assert.Equal("exec failed", ShimCodec.ReadRuntimeError("{\"level\":\"error\",\"msg\":\"exec failed\",\"time\":\"t\"}"u8));
        Assert.Null(ShimCodec.ReadRuntimeError("{\"level\":\"warning\",\"msg\":\"meh\"}"u8));
        Assert.Null(ShimCodec.ReadRuntimeError("not json"u8));
    }
}
