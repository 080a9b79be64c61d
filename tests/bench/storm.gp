# The storm's picture: time from the first state=2 to the last connected
# against the number of vifs, for Xen's script forked per device, our CLI
# forked per device, xhp-devd, and the kernel's own enslave cost.
#   build/tests/bench/bench_storm --table storm.dat
#   gnuplot -e "data='storm.dat'; out='doc/storm.png'" tests/bench/storm.gp
if (!exists("data")) data = 'storm.dat'
if (!exists("out")) out = 'storm.png'
set terminal pngcairo size 800,500 noenhanced
set output out
set title "A storm of N vifs: first state=2 to last hotplug-status=connected"
set xlabel "vifs (N)"
set ylabel "milliseconds"
set logscale xy
set key top left
set grid
plot data using 1:($2 > 0 ? $2 : 1/0) with linespoints title "Xen's vif-bridge, a process per device", \
     data using 1:3 with linespoints title "xhp-hotplug, a process per device", \
     data using 1:4 with linespoints title "xhp-devd, in-process", \
     data using 1:5 with linespoints dashtype 2 title "kernel floor (ip -batch)"
