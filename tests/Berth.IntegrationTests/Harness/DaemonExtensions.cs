using System.Net.Sockets;
using System.Text.Json;

namespace Berth.IntegrationTests.Harness;

/// <summary>Helpers over a running berthd: raw HTTP on its socket, inspect as JSON, shell pipelines with the CLIs.</summary>
public static class DaemonExtensions
{
    /// <summary>An HttpClient talking HTTP/1.1 to berthd's unix socket (base address http://berth).</summary>
    public static HttpClient CreateHttpClient(this BerthDaemon daemon)
    {
        var socket = daemon.Socket;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://berth"), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>`berth inspect NAME` (or docker's, with <paramref name="docker"/>) parsed: the single object of the array.</summary>
    public static async Task<JsonElement> InspectAsync(this BerthDaemon daemon, string name, bool docker = false)
    {
        var result = docker ? await daemon.Docker("inspect", name) : await daemon.Berth("inspect", name);
        Assert.True(result.ExitCode == 0, $"inspect {name}: {result}");
        using var document = JsonDocument.Parse(result.Stdout);
        Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
        Assert.Equal(1, document.RootElement.GetArrayLength());
        return document.RootElement[0].Clone();
    }

    /// <summary>The environment the harness gives a CLI, for shell pipelines (`docker save | docker load`).</summary>
    public static Dictionary<string, string> CliEnvironment(this BerthDaemon daemon) => new()
    {
        ["DOCKER_HOST"] = daemon.Host,
        ["BERTH_HOST"] = daemon.Host,
        ["DOCKER_CONFIG"] = Path.Combine(daemon.Root, "docker-config"),
        ["DOCKER_BUILDKIT"] = "0",
    };

    /// <summary>Runs a /bin/sh script with the CLIs' environment; $DOCKER and $BERTH name the two CLIs.</summary>
    public static Task<CommandResult> ShellAsync(this BerthDaemon daemon, string script, TimeSpan? timeout = null)
    {
        var env = daemon.CliEnvironment();
        env["BERTH"] = BerthDaemon.BerthPath;
        env["DOCKER"] = BerthDaemon.DockerCli ?? "docker";
        return ProcessRunner.RunAsync("/bin/sh", ["-c", script], env, timeout: timeout);
    }

    /// <summary>
    /// Waits until container <paramref name="name"/> has logged <paramref name="line"/> (as a whole
    /// line) <paramref name="times"/> times. A script that traps a signal prints its ready line
    /// after the trap: PID 1 of a PID namespace ignores a signal it has no handler for, so a
    /// signal sent earlier would be lost.
    /// </summary>
    public static async Task WaitForLogLineAsync(this BerthDaemon daemon, string name, string line, int times = 1)
    {
        var seen = await EventuallyAsync(async () =>
            (await daemon.Berth("logs", name)).Stdout.Split('\n').Count(l => l == line) >= times);
        Assert.True(seen, $"container {name} never logged \"{line}\" {times} time(s)");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (bounded; not a timing assertion).</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, int attempts = 200, int delayMs = 100)
    {
        for (var i = 0; i < attempts; i++)
        {
            if (await condition()) return true;
            await Task.Delay(delayMs);
        }
        return false;
    }
}
