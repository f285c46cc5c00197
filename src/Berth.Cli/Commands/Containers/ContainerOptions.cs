using System.Globalization;
using Berth.Cli.Formatting;
using Berth.Core.CommandLine;
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
        .Bool("init", null, "Run an init inside the container that forwards signals and reaps processes")
        // Security
        .List("cap-add", null, "Add Linux capabilities")
        .List("cap-drop", null, "Drop Linux capabilities")
        .List("security-opt", null, "Security Options")
        .List("group-add", null, "Add additional groups to join")
        // Network
        .Value("add-host", null, "list", "Add a custom host-to-IP mapping (host:ip)", ContainerFlagValues.ExtraHost, repeatable: true)
        .Value("dns", null, "list", "Set custom DNS servers", ContainerFlagValues.IpAddress, repeatable: true)
        .List("dns-option", null, "Set DNS options")
        .HiddenAlias("dns-opt", "dns-option")
        .Value("dns-search", null, "list", "Set custom DNS search domains", ContainerFlagValues.DnsSearch, repeatable: true)
        // Storage and kernel settings
        .Value("mount", null, "mount", "Attach a filesystem mount to the container", Checked(ContainerFlagValues.ParseMount), repeatable: true)
        .Value("shm-size", null, "bytes", "Size of /dev/shm", Number(ContainerFlagValues.RamInBytes))
        .Value("sysctl", null, "map", "Sysctl options", ContainerFlagValues.Sysctl, repeatable: true)
        .String("log-driver", null, "Logging driver for the container")
        .List("log-opt", null, "Log driver options")
        .Value("ulimit", null, "ulimit", "Ulimit options", Checked(ContainerFlagValues.ParseUlimit), repeatable: true)
        // Resources
        .Value("memory", 'm', "bytes", "Memory limit", Number(ContainerFlagValues.RamInBytes))
        .Value("memory-reservation", null, "bytes", "Memory soft limit", Number(ContainerFlagValues.RamInBytes))
        .Value("memory-swap", null, "bytes", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", Number(ContainerFlagValues.MemSwapBytes))
        .Value("cpus", null, "decimal", "Number of CPUs", Number(ContainerFlagValues.NanoCpus))
        .String("cpuset-cpus", null, "CPUs in which to allow execution (0-3, 0,1)")
        .Value("cpu-shares", 'c', "int", "CPU shares (relative weight)", Number(v => GoSyntax.ParseInt(v)))
        .Value("pids-limit", null, "int", "Tune container pids limit (set -1 for unlimited)", Number(v => GoSyntax.ParseInt(v)))
        .Value("oom-score-adj", null, "int", "Tune host's OOM preferences (-1000 to 1000)", Number(OomScoreAdj));

    /// <summary>A flag value kept as the decimal number <paramref name="parse"/> makes of it.</summary>
    private static Func<string, string> Number(Func<string, long> parse) => v => parse(v).ToString(CultureInfo.InvariantCulture);

    /// <summary>A flag value checked by <paramref name="parse"/> and kept as given (Build parses it again).</summary>
    private static Func<string, string> Checked<T>(Func<string, T> parse) => v =>
    {
        parse(v);
        return v;
    };

    /// <summary>pflag's int: a Go int64, which HostConfig.OomScoreAdj (an int) must hold.</summary>
    private static long OomScoreAdj(string value) =>
        GoSyntax.ParseInt(value) is var n and >= int.MinValue and <= int.MaxValue ? n : throw new FormatException($"strconv.ParseInt: parsing {DisplayText.Quote(value)}: value out of range");

    private static long Long(FlagSet f, string name) => f.GetString(name) is { } v ? long.Parse(v, CultureInfo.InvariantCulture) : 0;

    /// <summary>A list flag's values, or null when it was not given (docker's ListOpts.GetAll of an empty list).</summary>
    private static IReadOnlyList<string>? ListOrNull(FlagSet f, string name) => f.GetList(name) is { Count: > 0 } l ? [.. l] : null;

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
        var securityOpt = ContainerFlagValues.SecurityOptions(f.GetList("security-opt"), out var maskedPaths, out var readonlyPaths);
        var sysctls = new Dictionary<string, string>();
        foreach (var kv in f.GetList("sysctl"))
        {
            var eq = kv.IndexOf('=', StringComparison.Ordinal);
            sysctls[kv[..eq]] = kv[(eq + 1)..];
        }
        // One ulimit a name (the last given), sorted by name, as docker's UlimitOpt.GetList.
        var ulimits = f.GetList("ulimit").Select(ContainerFlagValues.ParseUlimit).GroupBy(u => u.Name).Select(g => g.Last())
            .OrderBy(u => u.Name, StringComparer.Ordinal).ToList();
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
                Binds = ListOrNull(f, "volume"),
                NetworkMode = f.GetString("network") ?? "default",
                RestartPolicy = ParseRestart(f.GetString("restart") ?? "no"),
                AutoRemove = f.GetBool("rm"),
                Privileged = f.GetBool("privileged"),
                ReadonlyRootfs = f.GetBool("read-only"),
                Init = f.Changed("init") ? f.GetBool("init") : null,
                LogConfig = new LogConfig { Type = f.GetString("log-driver") ?? "", Config = LogOptions(f.GetList("log-opt")) },
                CapAdd = ListOrNull(f, "cap-add"),
                CapDrop = ListOrNull(f, "cap-drop"),
                // docker sends the DNS lists empty rather than null.
                Dns = [.. f.GetList("dns")],
                DnsOptions = [.. f.GetList("dns-option")],
                DnsSearch = [.. f.GetList("dns-search")],
                ExtraHosts = ListOrNull(f, "add-host"),
                GroupAdd = ListOrNull(f, "group-add"),
                OomScoreAdj = (int)Long(f, "oom-score-adj"),
                SecurityOpt = securityOpt,
                MaskedPaths = maskedPaths,
                ReadonlyPaths = readonlyPaths,
                ShmSize = Long(f, "shm-size"),
                Sysctls = sysctls.Count > 0 ? sysctls : null,
                CpuShares = Long(f, "cpu-shares"),
                CpusetCpus = f.GetString("cpuset-cpus") ?? "",
                Memory = Long(f, "memory"),
                NanoCpus = Long(f, "cpus"),
                MemoryReservation = Long(f, "memory-reservation"),
                MemorySwap = Long(f, "memory-swap"),
                // Sent only when given; unset reads as null in inspect, as dockerd shows it.
                PidsLimit = f.Changed("pids-limit") ? Long(f, "pids-limit") : null,
                Ulimits = ulimits,
                Mounts = f.GetList("mount") is { Count: > 0 } mounts ? [.. mounts.Select(ContainerFlagValues.ParseMount)] : null,
            },
            NetworkingConfig = new NetworkingConfig { EndpointsConfig = new Dictionary<string, EndpointSettings>() },
        };
    }

    /// <summary>--log-opt KEY=VALUE pairs (docker: a later KEY wins; a value may hold '=').</summary>
    private static Dictionary<string, string> LogOptions(IReadOnlyList<string> pairs)
    {
        var options = new Dictionary<string, string>();
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new UsageException($"invalid argument \"{pair}\" for \"--log-opt\" flag: invalid key value pair format");
            options[pair[..eq]] = pair[(eq + 1)..];
        }
        return options;
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
