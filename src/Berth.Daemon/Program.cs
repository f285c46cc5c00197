using System.Runtime.InteropServices;
using Berth.Core.CommandLine;
using Berth.Daemon.Hosting;
using Microsoft.Extensions.Logging;

// berthd's flags are dockerd's kind (pflag): --data-root=/x, -H repeated, -l debug, --help.
const string Usage = "berthd [OPTIONS]";
const string Summary = "berthd: the Berth container daemon, serving the Docker Engine API";
var levels = new Dictionary<string, LogLevel>(StringComparer.Ordinal)
{
    ["debug"] = LogLevel.Debug,
    ["info"] = LogLevel.Information,
    ["warn"] = LogLevel.Warning,
    ["error"] = LogLevel.Error,
    ["fatal"] = LogLevel.Critical,
};
var flags = new FlagSet()
    .List("host", 'H', "Daemon socket to listen on (unix://PATH)", "unix:///run/berth/berth.sock")
    .String("data-root", null, "Root directory of persistent state", "/var/lib/berth")
    .String("exec-root", null, "Root directory for execution state files", "/run/berth")
    .String("pidfile", 'p', "Path to use for the daemon PID file")
    .Value("log-level", 'l', "string", "Logging level (debug, info, warn, error, fatal)",
        v => levels.ContainsKey(v) ? v : throw new FormatException($"unknown log level {GoSyntax.Quote(v)}"), defaultValue: "info")
    .String("runtime", null, "OCI runtime binary", "runc")
    .String("cgroup-parent", null, "Parent cgroup for all containers", "/berth")
    .String("shim", null, "berth-shim binary (default: beside berthd)")
    .String("config-file", null, "Daemon configuration file", DaemonConfigFile.DefaultPath)
    .String("registry-certs-dir", null, "Per-registry certificates, docker's certs.d layout", Berth.Engine.Distribution.RegistryOptions.DefaultCertsDirectory)
    .List("insecure-registry", null, "Registry (HOST:PORT or CIDR) that may be used over plain HTTP")
    .List("registry-mirror", null, "Preferred Docker Hub mirror (URL)")
    .Bool("version", 'v', "Print version information and quit")
    .Bool("help", 'h', "Print usage");
try
{
    flags.Parse(args);
    if (flags.Positionals.Count > 0 && !flags.GetBool("help"))
        throw new UsageException("\"berthd\" accepts no arguments.");
}
catch (UsageException e)
{
    // dockerd's flag errors: the error, where to look, the usage line; exit 1.
    await Console.Error.WriteLineAsync($"{e.Message}\nSee 'berthd --help'.\n\nUsage:  {Usage}\n\n{Summary}");
    return 1;
}
if (flags.GetBool("help"))
{
    await Console.Out.WriteAsync($"\nUsage:\t{Usage}\n\n{Summary}\n\nOptions:\n{flags.FlagUsages()}");
    return 0;
}
if (flags.GetBool("version"))
{
    await Console.Out.WriteLineAsync($"Berth version {VersionInfo.Version}, build {VersionInfo.GitCommit}");
    return 0;
}

var options = new DaemonOptions(
    flags.GetList("host"),
    Path.GetFullPath(flags.GetString("data-root")!),
    Path.GetFullPath(flags.GetString("exec-root")!),
    flags.GetString("pidfile"),
    levels[flags.GetString("log-level")!],
    flags.GetString("runtime")!,
    flags.GetString("shim") ?? Path.Combine(AppContext.BaseDirectory, "berth-shim"),
    "/" + flags.GetString("cgroup-parent")!.Trim('/'))
{
    ConfigFile = flags.GetString("config-file")!,
    ConfigFileGiven = flags.Changed("config-file"),
    RegistryCertsDirectory = Path.GetFullPath(flags.GetString("registry-certs-dir")!),
    InsecureRegistries = flags.GetList("insecure-registry"),
    RegistryMirrors = flags.GetList("registry-mirror"),
};

// SIGTERM and SIGINT cancel the start-up (recovery, the pid file) as well as the serving.
using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
return await DaemonHost.RunAsync(options, stop.Token);

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
