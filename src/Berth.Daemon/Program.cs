using System.CommandLine;
using Berth.Daemon.Hosting;
using Microsoft.Extensions.Logging;

var hosts = new Option<string[]>("--host", "-H")
{
    Description = "Daemon socket to listen on (unix://PATH)",
    DefaultValueFactory = _ => ["unix:///run/berth/berth.sock"],
    AllowMultipleArgumentsPerToken = false,
};
var dataRoot = new Option<string>("--data-root") { Description = "Root directory of persistent state", DefaultValueFactory = _ => "/var/lib/berth" };
var execRoot = new Option<string>("--exec-root") { Description = "Root directory for execution state files", DefaultValueFactory = _ => "/run/berth" };
var pidFile = new Option<string?>("--pidfile", "-p") { Description = "Path to use for the daemon PID file" };
var logLevel = new Option<string>("--log-level", "-l") { Description = "Logging level (debug, info, warn, error, fatal)", DefaultValueFactory = _ => "info" };
var runtime = new Option<string>("--runtime") { Description = "OCI runtime binary", DefaultValueFactory = _ => "runc" };
var cgroupParent = new Option<string>("--cgroup-parent") { Description = "Parent cgroup for all containers", DefaultValueFactory = _ => "/berth" };
var shim = new Option<string?>("--shim") { Description = "berth-shim binary (default: beside berthd)" };
var configFile = new Option<string?>("--config-file") { Description = "Daemon configuration file (default /etc/berth/daemon.json)" };
var certsDir = new Option<string>("--registry-certs-dir") { Description = "Per-registry certificates, docker's certs.d layout", DefaultValueFactory = _ => "/etc/berth/certs.d" };
var insecureRegistry = new Option<string[]>("--insecure-registry") { Description = "Registry (HOST:PORT or CIDR) that may be used over plain HTTP" };
var registryMirror = new Option<string[]>("--registry-mirror") { Description = "Preferred Docker Hub mirror (URL)" };

var root = new RootCommand("berthd: the Berth container daemon, serving the Docker Engine API")
{
    hosts, dataRoot, execRoot, pidFile, logLevel, runtime, cgroupParent, shim, configFile, certsDir, insecureRegistry, registryMirror,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var level = parse.GetValue(logLevel) switch
    {
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "fatal" => LogLevel.Critical,
        var other => throw new ArgumentException($"unknown log level \"{other}\""),
    };
    var options = new DaemonOptions(
        parse.GetValue(hosts)!,
        Path.GetFullPath(parse.GetValue(dataRoot)!),
        Path.GetFullPath(parse.GetValue(execRoot)!),
        parse.GetValue(pidFile),
        level,
        parse.GetValue(runtime)!,
        parse.GetValue(shim) ?? Path.Combine(AppContext.BaseDirectory, "berth-shim"),
        "/" + parse.GetValue(cgroupParent)!.Trim('/'))
    {
        ConfigFile = parse.GetValue(configFile) ?? "/etc/berth/daemon.json",
        ConfigFileGiven = parse.GetValue(configFile) is not null,
        RegistryCertsDirectory = Path.GetFullPath(parse.GetValue(certsDir)!),
        InsecureRegistries = parse.GetValue(insecureRegistry) ?? [],
        RegistryMirrors = parse.GetValue(registryMirror) ?? [],
    };
    return await DaemonHost.RunAsync(options, cancellationToken);
});
return await root.Parse(args).InvokeAsync();
