// wangge scripts
