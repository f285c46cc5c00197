using System.Text;
using Berth.EngineApi.Client;
using Berth.EngineApi.Models;
using Berth.EngineApi.Streams;
using Xunit;

namespace Berth.Cli.Tests;

/// <summary>Runs only when BERTH_TEST_DOCKER_HOST names a daemon with a busybox:latest image.</summary>
public class LiveDaemonTests
{
    private static readonly string? Host = Environment.GetEnvironmentVariable("BERTH_TEST_DOCKER_HOST");

    [Fact]
    public async Task NegotiatesAndRunsAContainer()
    {
        if (string.IsNullOrEmpty(Host))
        {
            return;
        }
        using var client = new EngineClient(Host);
        var version = await client.GetVersionAsync();
        Assert.NotEmpty(version.ApiVersion);
        Assert.True(EngineClient.CompareVersions(client.ApiVersion!, EngineClient.MaxApiVersion) <= 0);

        var name = "berth-cli-test-" + Guid.NewGuid().ToString("N")[..8];
        var created = await client.CreateContainerAsync(new ContainerCreateRequest
        {
            Image = "busybox:latest", Cmd = ["sh", "-c", "echo out; echo err >&2; exit 5"], AttachStdout = true, AttachStderr = true,
        }, name);
        try
        {
            await using var conn = await client.AttachContainerAsync(created.Id, new AttachOptions());
            var wait = await client.BeginWaitContainerAsync(created.Id, "next-exit");
            await client.StartContainerAsync(created.Id);
            var stdout = new MemoryStream();
            var stderr = new MemoryStream();
            await new StdStreamReader(conn.Stream).CopyToAsync(stdout, stderr);
            Assert.Equal("out\n", Encoding.UTF8.GetString(stdout.ToArray()));
            Assert.Equal("err\n", Encoding.UTF8.GetString(stderr.ToArray()));
            Assert.Equal(5, (await wait).StatusCode);
            var inspect = await client.InspectContainerAsync(name);
            Assert.Equal("exited", inspect.State!.Status);
        }
        finally
        {
            await client.RemoveContainerAsync(created.Id, force: true);
        }
        var missing = await Assert.ThrowsAsync<EngineApiException>(() => client.InspectContainerAsync(name));
        Assert.True(missing.IsNotFound);
    }
}
