using Berth.Cli.Parsing;
using Berth.EngineApi.Models;

namespace Berth.Cli.Commands.Containers;

/// <summary>The flags shared by run and create, and their translation into a create request (docker's opts.parse).</summary>
public static class ContainerOptions
{
    public static void Define(FlagSet f) => f
        .List("env", 'e', "Set environment variables")
        .List("env-file", null, "Read in a file of environment variables")
        .String("workdir", 'w', "Working directory inside the container")
        .String("user", 'u', "Username or UID (format: <name|uid>[:<group|gid>])")
        .String("entrypoint", null, "Overwrite the default ENTRYPOINT of the image")
        .String("hostname", 'h', "Container host name")
        .String("domainname", null, "Container NIS domain name")
        .List("label", 'l', "Set meta data on a container")
        .String("name", null, "Assign a name to the container")
        .Bool("interactive", 'i', "Keep STDIN open even if not attached")
        .Bool("tty", 't', "Allocate a pseudo-TTY")
        .Bool("rm", null, "Automatically remove the container and its associated anonymous volumes when it exits")
        .String("network", null, "Connect a container to a network", "default")
        .List("volume", 'v', "Bind mount a volume")
        .Bool("privileged", null, "Give extended privileges to this container")
        .Bool("read-only", null, "Mount the container's root filesystem as read only")
        .String("restart", null, "Restart policy to apply when a container exits", "no")
        .String("stop-signal", null, "Signal to stop the container")
        .Int("stop-timeout", null, "Timeout (in seconds) to stop a container")
        .String("platform", null, "Set platform if server is multi-platform capable")
        .String("pull", null, "Pull image before running (\"always\", \"missing\", \"never\")", "missing")
        .Bool("quiet", 'q', "Suppress the pull output")
        .Bool("init", null, "Run an init inside the container that forwards signals and reaps processes");

    /// <summary>Builds the create request from parsed flags; positionals are IMAGE [COMMAND] [ARG...].</summary>
    /// <exception cref="UsageException">Bad flag values (exit 125).</exception>
    public static ContainerCreateRequest Build(FlagSet f, bool attach, Func<string, string?> getEnv)
    {
        var image = f.Positionals[0];
        var cmd = f.Positionals.Count > 1 ? f.Positionals.Skip(1).ToList() : null;
        IReadOnlyList<string>? entrypoint = null;
        if (f.Changed("entrypoint"))
        {
            entrypoint = [f.GetString("entrypoint") ?? ""];
        }
        var env = new List<string>();
        foreach (var file in f.GetList("env-file"))
        {
            env.AddRange(ReadEnvFile(file, getEnv));
        }
        env.AddRange(f.GetList("env").Select(e => e.Contains('=') || getEnv(e) is not { } v ? e : $"{e}={v}"));
        var labels = new Dictionary<string, string>();
        foreach (var l in f.GetList("label"))
        {
            var eq = l.IndexOf('=');
            labels[eq < 0 ? l : l[..eq]] = eq < 0 ? "" : l[(eq + 1)..];
        }
        var interactive = f.GetBool("interactive");
        return new ContainerCreateRequest
        {
            Hostname = f.GetString("hostname") ?? "",
            Domainname = f.GetString("domainname") ?? "",
            User = f.GetString("user") ?? "",
            AttachStdin = attach && interactive,
            AttachStdout = attach,
            AttachStderr = attach,
            Tty = f.GetBool("tty"),
            OpenStdin = interactive,
            StdinOnce = attach && interactive,
            Env = env,
            Cmd = cmd,
            Image = image,
            Volumes = new Dictionary<string, EmptyObject>(),
            WorkingDir = f.GetString("workdir") ?? "",
            Entrypoint = entrypoint,
            Labels = labels,
            StopSignal = f.GetString("stop-signal"),
            StopTimeout = f.Changed("stop-timeout") ? f.GetInt("stop-timeout") : null,
            HostConfig = new HostConfig
            {
                // The container's terminal gets our size from the start (docker CLI: ConsoleSize).
                ConsoleSize = f.GetBool("tty") && Berth.Core.Interop.Libc.GetWindowSize(1) is { } size ? [size.Rows, size.Columns] : null,
                Binds = f.GetList("volume").Count > 0 ? [.. f.GetList("volume")] : null,
                NetworkMode = f.GetString("network") ?? "default",
                RestartPolicy = ParseRestart(f.GetString("restart") ?? "no"),
                AutoRemove = f.GetBool("rm"),
                Privileged = f.GetBool("privileged"),
                ReadonlyRootfs = f.GetBool("read-only"),
                Init = f.Changed("init") ? f.GetBool("init") : null,
                LogConfig = new LogConfig { Config = new Dictionary<string, string>() },
            },
            NetworkingConfig = new NetworkingConfig { EndpointsConfig = new Dictionary<string, EndpointSettings>() },
        };
    }

    public static RestartPolicy ParseRestart(string value)
    {
        var parts = value.Split(':', 2);
        var name = parts[0];
        if (name is not ("no" or "always" or "unless-stopped" or "on-failure" or ""))
        {
            throw new UsageException($"invalid restart policy '{name}'");
        }
        var max = 0;
        if (parts.Length == 2 && (!int.TryParse(parts[1], out max) || name != "on-failure"))
        {
            throw new UsageException(name == "on-failure" ? $"invalid restart policy format: maximum retry count must be an integer" : $"invalid restart policy format: {name} does not support a maximum retry count");
        }
        return new RestartPolicy { Name = name, MaximumRetryCount = max };
    }

    /// <summary>docker's opts.ParseEnvFile: KEY=VALUE lines, # comments, bare KEY taken from our environment.</summary>
    public static IEnumerable<string> ReadEnvFile(string path, Func<string, string?> getEnv)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"open {path}: no such file or directory");
        }
        var result = new List<string>();
        foreach (var raw in lines)
        {
            var line = raw.TrimStart();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var eq = line.IndexOf('=');
            var key = eq < 0 ? line : line[..eq];
            if (key.Length == 0)
            {
                throw new UsageException($"invalid environment variable: {line}");
            }
            if (key.Any(char.IsWhiteSpace))
            {
                throw new UsageException($"variable '{key.TrimStart()}' contains whitespaces");
            }
            if (eq >= 0)
            {
                result.Add(line);
            }
            else if (getEnv(key) is { } v)
            {
                result.Add($"{key}={v}");
            }
        }
        return result;
    }
}
