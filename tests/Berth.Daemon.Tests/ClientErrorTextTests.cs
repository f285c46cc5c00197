using Berth.Daemon.Hosting;
using Berth.Engine;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Berth.Daemon.Tests;

public sealed class ClientErrorTextTests
{
    private static readonly EngineOptions Roots = new("/var/lib/berth", "/run/berth", "runc", "berth-shim");

    [Theory]
    [InlineData("statx /var/lib/berth/layers/tmp/0123abcd/diff/etc/passwd: Permission denied", "statx /etc/passwd: Permission denied")]
    [InlineData("mount overlay on /var/lib/berth/containers/abc/rootfs: No such file or directory", "mount overlay on [data-root]: No such file or directory")]
    [InlineData("Could not find a part of the path '/var/lib/berth/containers/abc/config.json'.", "Could not find a part of the path '[data-root]'.")]
    [InlineData("dial /run/berth/s/abc-123.sock: connection refused", "dial [exec-root]: connection refused")]
    [InlineData("open /var/lib/berth/containers/abc/rootfs/bin/sh, then /var/lib/berth: x", "open /bin/sh, then [data-root]: x")]
    [InlineData("no such image: busybox:latest", "no such image: busybox:latest")]
    [InlineData("/var/lib/berth2/x is elsewhere", "/var/lib/berth2/x is elsewhere")]
    public void PathsUnderTheRootsDoNotReachClients(string message, string expected) =>
        Assert.Equal(expected, ClientErrorText.Scrub(message, Roots));

    [Theory]
    [InlineData("POST", "/images/load", true)]
    [InlineData("POST", "/images/create", true)]
    [InlineData("POST", "/build", true)]
    [InlineData("PUT", "/containers/abc/archive", true)]
    [InlineData("POST", "/containers/abc/attach", true)]
    [InlineData("POST", "/exec/abc/start", true)]
    [InlineData("POST", "/containers/create", false)]
    [InlineData("POST", "/containers/abc/update", false)]
    [InlineData("POST", "/auth", false)]
    public void OnlyArchivesAndStreamsAreUnbounded(string method, string path, bool streamed)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        Assert.Equal(streamed, RequestBodyLimit.IsStreamed(context.Request));
    }
}
