using System.Text;
using Berth.EngineApi.Client;
using Berth.EngineApi.Models;
using Berth.EngineApi.Streams;
using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>
/// The typed Engine API client that berth uses, against the class's berthd, or against the daemon
/// that BERTH_TEST_DOCKER_HOST names (one with busybox:latest, e.g. a dockerd) when it is set.
/// (It was Berth.Cli.Tests' LiveDaemonTests, which passed without running when no daemon was named.)
/// </summary>
public sealed class EngineClientTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private string Host => Environment.GetEnvironmentVariable("BERTH_TEST_DOCKER_HOST") is { Length: > 0 } host ? host : fixture.Daemon.Host;

    [Fact]
    public async Task ClientNegotiatesTheVersionAndRunsAContainer()
    {
        using var client = new EngineClient(Host);
        var version = await client.GetVersionAsync(TestContext.Current.CancellationToken);
        Assert.NotEmpty(version.ApiVersion);
        Assert.True(EngineClient.CompareVersions(client.ApiVersion!, EngineClient.MaxApiVersion) <= 0);

        var name = "berth-cli-test-" + Guid.NewGuid().ToString("N")[..8];
        var created = await client.CreateContainerAsync(new ContainerCreateRequest
        {
            Image = "busybox:latest", Cmd = ["sh", "-c", "echo out; echo err >&2; exit 5"], AttachStdout = true, AttachStderr = true,
        }, name, cancellationToken: TestContext.Current.CancellationToken);
        try
        {
            await using var conn = await client.AttachContainerAsync(created.Id, new AttachOptions(), TestContext.Current.CancellationToken);
            var wait = await client.BeginWaitContainerAsync(created.Id, "next-exit", TestContext.Current.CancellationToken);
            await client.StartContainerAsync(created.Id, cancellationToken: TestContext.Current.CancellationToken);
            var stdout = new MemoryStream();
            var stderr = new MemoryStream();
            await new StdStreamReader(conn.Stream).CopyToAsync(stdout, stderr, TestContext.Current.CancellationToken);
            Assert.Equal("out\n", Encoding.UTF8.GetString(stdout.ToArray()));
            Assert.Equal("err\n", Encoding.UTF8.GetString(stderr.ToArray()));
            Assert.Equal(5, (await wait).StatusCode);
            var inspect = await client.InspectContainerAsync(name, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal("exited", inspect.State!.Status);
        }
        finally
        {
            await client.RemoveContainerAsync(created.Id, force: true, cancellationToken: TestContext.Current.CancellationToken);
        }
        var missing = await Assert.ThrowsAsync<EngineApiException>(() => client.InspectContainerAsync(name, cancellationToken: TestContext.Current.CancellationToken));
        Assert.True(missing.IsNotFound);
    }
}
