using System.Runtime.InteropServices;
using Berth.Daemon.Hosting;
using Berth.Engine;
using Berth.Engine.Distribution;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Berth.Daemon.Routes;

/// <summary>/_ping, /version and /info.</summary>
internal static class SystemRoutes
{
    public static void Map(WebApplication app)
    {
        app.MapMethods("/_ping", ["GET", "HEAD"], Ping);
        app.MapGet("/version", Version);
        app.MapGet("/info", Info);
    }

    private static async Task Ping(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-cache, no-store, must-revalidate";
        context.Response.Headers.Pragma = "no-cache";
        context.Response.Headers["Builder-Version"] = "1";
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (HttpMethods.IsGet(context.Request.Method))
            await context.Response.WriteAsync("OK");
    }

    private static Task Version(HttpContext context) =>
        context.WriteJsonAsync(new SystemVersion
        {
            Platform = new PlatformName { Name = "Berth" },
            Components =
            [
                new ComponentVersion { Name = "Engine", Version = VersionInfo.Version, Details = new Dictionary<string, string>
                {
                    ["ApiVersion"] = ApiVersion.Current, ["MinAPIVersion"] = ApiVersion.Minimum, ["Os"] = "linux",
                    ["Arch"] = HostPlatform.Architecture, ["KernelVersion"] = HostPlatform.KernelVersion,
                    ["GitCommit"] = VersionInfo.GitCommit, ["GoVersion"] = ".NET " + Environment.Version,
                    ["BuildTime"] = VersionInfo.BuildTime, ["Experimental"] = "false",
                } },
            ],
            Version = VersionInfo.Version,
            ApiVersion = ApiVersion.Current,
            MinAPIVersion = ApiVersion.Minimum,
            GitCommit = VersionInfo.GitCommit,
            GoVersion = ".NET " + Environment.Version,
            Os = "linux",
            Arch = HostPlatform.Architecture,
            KernelVersion = HostPlatform.KernelVersion,
            BuildTime = VersionInfo.BuildTime,
        }, Http.Json.SystemVersion);

    /// <summary>dockerd's ServiceConfig: loopback and CIDRs, then one IndexInfo per named insecure registry plus docker.io.</summary>
    private static RegistryServiceConfig RegistryConfig(RegistryOptions options)
    {
        var indexes = new Dictionary<string, IndexInfo>
        {
            ["docker.io"] = new() { Name = "docker.io", Mirrors = options.Mirrors, Secure = true, Official = true },
        };
        foreach (var host in options.InsecureHosts)
            indexes[host] = new IndexInfo { Name = host, Mirrors = [], Secure = false, Official = false };
        return new RegistryServiceConfig { InsecureRegistryCIDRs = options.InsecureCidrs, IndexConfigs = indexes, Mirrors = options.Mirrors };
    }

    private static Task Info(HttpContext context)
    {
        var system = context.Service<ISystemBackend>();
        var engine = system.Options;
        var counts = system.Counts();
        return context.WriteJsonAsync(new SystemInfo
        {
            ID = HostPlatform.DaemonId(engine.DataRoot),
            Containers = counts.Containers,
            ContainersRunning = counts.Running,
            ContainersPaused = counts.Paused,
            ContainersStopped = counts.Stopped,
            Images = counts.Images,
            Driver = "overlayfs",
            DriverStatus = [["Backing Filesystem", "extfs"]],
            DockerRootDir = engine.DataRoot,
            Plugins = new PluginsInfo { Volume = ["local"], Network = ["null"], Log = ["json-file"] },
            MemoryLimit = true,
            SwapLimit = File.Exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"),
            CpuCfsPeriod = true,
            CpuCfsQuota = true,
            CPUShares = true,
            CPUSet = true,
            PidsLimit = true,
            IPv4Forwarding = File.Exists("/proc/sys/net/ipv4/ip_forward") && File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim() == "1",
            NFd = Directory.Exists("/proc/self/fd") ? Directory.GetFiles("/proc/self/fd").Length : 0,
            NGoroutines = System.Diagnostics.Process.GetCurrentProcess().Threads.Count,
            SystemTime = DockerTime.Format(DateTimeOffset.Now),
            LoggingDriver = "json-file",
            CgroupDriver = "cgroupfs",
            CgroupVersion = HostPlatform.CgroupVersion,
            KernelVersion = HostPlatform.KernelVersion,
            OperatingSystem = HostPlatform.OperatingSystem,
            OSVersion = HostPlatform.OsVersion,
            OSType = "linux",
            Architecture = RuntimeInformation.OSArchitecture == Architecture.X64 ? "x86_64" : RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
            NCPU = Environment.ProcessorCount,
            MemTotal = HostPlatform.MemTotal,
            IndexServerAddress = "https://index.docker.io/v1/",
            RegistryConfig = RegistryConfig(system.Registries),
            Name = Environment.MachineName,
            ServerVersion = VersionInfo.Version,
            Runtimes = new Dictionary<string, RuntimeInfo> { ["runc"] = new() { Path = engine.RuntimePath } },
            DefaultRuntime = "runc",
            LiveRestoreEnabled = true,
            Isolation = "",
            InitBinary = "",
            SecurityOptions = ["name=seccomp,profile=builtin"],
            Warnings = [],
        }, Http.Json.SystemInfo);
    }
}
